package dev.relay.server.e2e;

import dev.relay.protocol.Frame;
import dev.relay.protocol.FrameCodec;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.Frames;
import dev.relay.protocol.Hello;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.Welcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/**
 * A control-port peer written by hand on a blocking socket: it can speak the protocol, break it, fall silent, or
 * vanish without a goodbye, which the real client never does.
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

    /** Connects, says hello and opens one tunnel to nowhere in particular. */
    static RawControlClient withTunnel(int port) throws IOException {
        RawControlClient c = connect(port);
        c.handshake();
        c.openTunnel();
        return c;
    }

    void handshake() throws IOException {
        handshake(Frames.VERSION);
    }

    /** Says hello speaking protocol {@code version} and returns the server's {@link Welcome}. */
    Welcome handshake(int version) throws IOException {
        send(new Hello(version, TestServer.TOKEN, Frames.DEFAULT_MAX_FRAME_LENGTH, "raw-test", "raw-" + System.nanoTime()));
        return expect(Welcome.class);
    }

    /** Asks for a tunnel on any public port and returns the server's {@link TunnelOpened}. */
    TunnelOpened openTunnel() throws IOException {
        send(new OpenTunnel(1, 0, "raw:1"));
        return expect(TunnelOpened.class);
    }

    void send(Frame frame) throws IOException {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        encoder.writeOutbound(frame);
        ByteBuf buf;
        while ((buf = encoder.readOutbound()) != null) {
            try {
                byte[] bytes = new byte[buf.readableBytes()];
                buf.readBytes(bytes);
                out.write(bytes);
            } finally {
                buf.release();
            }
        }
        out.flush();
        encoder.finishAndReleaseAll();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next frame, skipping pings and data; {@code null} on EOF or reset. */
    Frame next() throws IOException {
        while (true) {
            Frame f = nextWithData();
            if (f instanceof StreamData data) {
                data.release();
                continue;
            }
            return f;
        }
    }

    /**
     * Reads the next frame, data included (the caller releases a {@link StreamData}), skipping only the server's
     * pings; {@code null} on EOF or reset.
     */
    Frame nextWithData() throws IOException {
        while (true) {
            int length;
            try {
                length = in.readInt();
            } catch (EOFException | SocketException e) {
                return null;
            }
            byte[] body = new byte[length];
            in.readFully(body);
            Frame f = FrameCodec.decode(Unpooled.wrappedBuffer(body));
            if (f instanceof dev.relay.protocol.Ping) {
                continue;
            }
            return f;
        }
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
