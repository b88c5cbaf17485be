package dev.relay.server.e2e;

import dev.relay.protocol.Frame;
import dev.relay.protocol.FrameCodec;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.Frames;
import dev.relay.protocol.Hello;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.Ping;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.Welcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * A control-port peer written by hand on a blocking socket: it can speak the protocol, break it, pipeline frames the
 * real client would wait between, fall silent, or vanish without a goodbye, which the real client never does.
 */
public final class RawControlClient implements AutoCloseable {
    public final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    /** The tunnel {@link #withTunnel} opened. */
    public TunnelOpened opened;

    private RawControlClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    public static RawControlClient connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) User.WAIT.toMillis());
        s.setTcpNoDelay(true);
        return new RawControlClient(s);
    }

    /** Connects, says hello with {@link TestServer#TOKEN} and opens one tunnel to nowhere in particular. */
    public static RawControlClient withTunnel(int port) throws IOException {
        return withTunnel(port, TestServer.TOKEN);
    }

    /** Connects, says hello with {@code token} and opens one tunnel ({@link #opened} holds the server's answer). */
    public static RawControlClient withTunnel(int port, String token) throws IOException {
        RawControlClient c = connect(port);
        c.handshake(token);
        c.opened = c.openTunnel();
        return c;
    }

    /** A HELLO for the current protocol version with {@code token}. */
    public static Hello hello(String token) {
        return hello(Frames.VERSION, token);
    }

    private static Hello hello(int version, String token) {
        return new Hello(version, token, Frames.DEFAULT_MAX_FRAME_LENGTH, "raw-test", "raw-" + System.nanoTime());
    }

    public void handshake() throws IOException {
        handshake(Frames.VERSION);
    }

    /** Says hello speaking protocol {@code version} and returns the server's {@link Welcome}. */
    public Welcome handshake(int version) throws IOException {
        send(hello(version, TestServer.TOKEN));
        return expect(Welcome.class);
    }

    /** Says hello with {@code token} and returns the server's {@link Welcome}. */
    public Welcome handshake(String token) throws IOException {
        send(hello(token));
        return expect(Welcome.class);
    }

    /** Asks for a tunnel on any public port and returns the server's {@link TunnelOpened}. */
    public TunnelOpened openTunnel() throws IOException {
        send(new OpenTunnel(1, 0, "raw:1"));
        return expect(TunnelOpened.class);
    }

    /** Writes all {@code frames} at once, as one pipelined burst. */
    public void send(Frame... frames) throws IOException {
        out.write(encode(frames));
        out.flush();
    }

    /** The bytes of {@code frames} on the wire, one after the other. */
    public static byte[] encode(Frame... frames) {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            for (Frame f : frames) {
                encoder.writeOutbound(f);
            }
            for (ByteBuf buf; (buf = encoder.readOutbound()) != null; ) {
                try {
                    byte[] b = new byte[buf.readableBytes()];
                    buf.readBytes(b);
                    bytes.writeBytes(b);
                } finally {
                    buf.release();
                }
            }
        } finally {
            encoder.finishAndReleaseAll();
        }
        return bytes.toByteArray();
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next frame, skipping pings and data; {@code null} on EOF or reset. */
    public Frame next() throws IOException {
        return next(false);
    }

    /**
     * Reads the next frame, data included (the caller releases a {@link StreamData}), skipping only the server's
     * pings; {@code null} on EOF or reset.
     */
    public Frame nextWithData() throws IOException {
        return next(true);
    }

    /** Reads the next frame, skipping pings (and data unless {@code keepData}); {@code null} on EOF or reset. */
    public Frame next(boolean keepData) throws IOException {
        while (true) {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException | SocketException e) {
                return null;
            }
            byte[] body = new byte[length];
            try {
                in.readFully(body);
            } catch (EOFException | SocketException e) {
                return null;
            }
            Frame f = FrameCodec.decode(Unpooled.wrappedBuffer(body));
            if (f instanceof StreamData data && !keepData) {
                data.release();
                continue;
            }
            if (f instanceof Ping) {
                continue;
            }
            return f;
        }
    }

    public <T extends Frame> T expect(Class<T> type) throws IOException {
        Frame f = next();
        if (!type.isInstance(f)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + f);
        }
        return type.cast(f);
    }

    /** Reads frames until the server closes the connection; fails if it stays open past {@link User#WAIT}. */
    public Frame lastFrameBeforeClose() throws IOException {
        Frame last = null;
        try {
            for (Frame f = next(); f != null; f = next()) {
                last = f;
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open", e);
        }
        return last;
    }

    /** Vanishes without a goodbye: closes with a reset (SO_LINGER 0), no frames. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
