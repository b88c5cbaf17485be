package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A user of a tunnel: a plain blocking socket on 127.0.0.1 with bounded reads. */
public final class User implements AutoCloseable {
    public static final Duration WAIT = Duration.ofSeconds(10);

    public final Socket socket;

    private User(Socket socket) {
        this.socket = socket;
    }

    public static User connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        s.setTcpNoDelay(true);
        return new User(s);
    }

    /** Something that connects a user. */
    public interface Connect {
        User connect() throws IOException;
    }

    /**
     * Whether a user is refused: the relay resets the connection at once, which the user sees either while its
     * connect completes or on its first read.
     */
    public static boolean refused(Connect connect) throws IOException {
        User u;
        try {
            u = connect.connect();
        } catch (SocketException reset) {
            return true;
        }
        try (u) {
            return u.awaitDisconnected();
        }
    }

    /** Connects from another loopback address (127.0.0.2, ...), as a second user machine would. */
    public static User connectFrom(String localAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(localAddress, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        s.setTcpNoDelay(true);
        return new User(s);
    }

    public void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    public void send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
    }

    /** Reads exactly {@code length} bytes as UTF-8, failing on EOF or after {@link #WAIT}. */
    public String read(int length) throws IOException {
        byte[] bytes = socket.getInputStream().readNBytes(checkedLength(length));
        assertThat(bytes).as("bytes before EOF").hasSize(length);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static int checkedLength(int length) {
        assertThat(length).isPositive();
        return length;
    }

    /** Sends {@code text} and returns the reply of the same length. */
    public String roundTrip(String text) throws IOException {
        return roundTrip(text, 0);
    }

    /** Sends {@code text} and returns the reply of the same length plus {@code extra} bytes. */
    public String roundTrip(String text, int extra) throws IOException {
        send(text);
        String reply = read(text.getBytes(StandardCharsets.UTF_8).length + extra);
        return reply;
    }

    /**
     * Whether the relay disconnected this user within {@link #WAIT}: a read sees EOF or a reset. Fails the test on
     * data or on a time-out.
     */
    public boolean awaitDisconnected() throws IOException {
        InputStream in = socket.getInputStream();
        try {
            int b = in.read();
            assertThat(b).as("user expected EOF, got data").isEqualTo(-1);
            return true;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("user " + socket + " still connected after " + WAIT, e);
        } catch (SocketException e) {
            return true; // reset by the relay
        }
    }

    /**
     * Like {@link #awaitDisconnected()}, but first sends a byte. A connect that races the close of a listening socket
     * can leave the user's side half-open with nothing at all on the server's side (the kernel dropped the handshake
     * when the listener closed, without a reset); only traffic makes the user's kernel learn that, from the RST.
     */
    public boolean pokeAndAwaitDisconnected() throws IOException {
        try {
            socket.getOutputStream().write('?');
            socket.getOutputStream().flush();
        } catch (SocketException e) {
            return true; // already reset
        }
        return awaitDisconnected();
    }

    /**
     * Reads everything until the connection ends (EOF or reset), at most {@code limit} bytes; fails if the relay
     * keeps the connection open with nothing to say for {@link #WAIT}.
     */
    public byte[] readUntilClosed(int limit) throws IOException {
        return readUntilClosed(socket.getInputStream(), limit);
    }

    public static byte[] readUntilClosed(InputStream in, int limit) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                got.write(buf, 0, n);
                assertThat(got.size()).as("bytes received").isLessThanOrEqualTo(limit);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("still connected after " + WAIT + " and " + got.size() + " bytes", e);
        } catch (SocketException reset) {
            // a reset ends the connection as an EOF does; what arrived before it is what counts
        }
        return got.toByteArray();
    }

    /** Closes with a reset (SO_LINGER 0): a user whose machine vanished. */
    public void abort() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
