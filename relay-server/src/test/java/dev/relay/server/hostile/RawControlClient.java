package dev.relay.server.hostile;

import dev.relay.server.e2e.User;
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
 * A control-port peer written by hand on a blocking socket (after the e2e one): it can speak the protocol, break it,
 * pipeline frames the real client would wait between, fall silent, or vanish without a goodbye.
 */
final class RawControlClient implements AutoCloseable {
    final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawControlClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    static RawControlClient connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout((int) User.WAIT.toMillis());
        s.setTcpNoDelay(true);
        return new RawControlClient(s);
    }

    /** Connects, says hello with {@code token} and opens one tunnel; returns the client and the server's answer. */
    static RawControlClient withTunnel(int port, String token) throws IOException {
        RawControlClient c = connect(port);
        c.handshake(token);
        c.send(new OpenTunnel(1, 0, "raw:1"));
        c.opened = c.expect(TunnelOpened.class);
        return c;
    }

    /** The tunnel {@link #withTunnel} opened. */
    TunnelOpened opened;

    static Hello hello(String token) {
        return new Hello(Frames.VERSION, token, Frames.DEFAULT_MAX_FRAME_LENGTH, "raw-test",
                "raw-" + System.nanoTime());
    }

    Welcome handshake(String token) throws IOException {
        send(hello(token));
        return expect(Welcome.class);
    }

    /** Writes all {@code frames} at once, as one pipelined burst. */
    void send(Frame... frames) throws IOException {
        out.write(encode(frames));
        out.flush();
    }

    static byte[] encode(Frame... frames) {
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

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next frame, skipping pings (and data unless {@code keepData}); {@code null} on EOF or reset. */
    Frame next(boolean keepData) throws IOException {
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

    Frame next() throws IOException {
        return next(false);
    }

    <T extends Frame> T expect(Class<T> type) throws IOException {
        Frame f = next();
        if (!type.isInstance(f)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + f);
        }
        return type.cast(f);
    }

    /** Reads frames until the server closes the connection; fails if it stays open past {@link User#WAIT}. */
    Frame lastFrameBeforeClose() throws IOException {
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
    void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
