package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A user of a tunnel: a plain blocking socket on 127.0.0.1 with bounded reads. */
final class User implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    final Socket socket;

    private User(Socket socket) {
        this.socket = socket;
    }

    static User connect(int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        s.setTcpNoDelay(true);
        return new User(s);
    }

    /** Something that connects a user. */
    interface Connect {
        User connect() throws IOException;
    }

    /**
     * Whether a user is refused: the relay resets the connection at once, which the user sees either while its
     * connect completes or on its first read.
     */
    static boolean refused(Connect connect) throws IOException {
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
    static User connectFrom(String localAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(localAddress, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), (int) WAIT.toMillis());
        s.setSoTimeout((int) WAIT.toMillis());
        s.setTcpNoDelay(true);
        return new User(s);
    }

    void send(String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
    }

    /** Reads exactly {@code length} bytes as UTF-8, failing on EOF or after {@link #WAIT}. */
    String read(int length) throws IOException {
        return new String(socket.getInputStream().readNBytes(checkedLength(length)), StandardCharsets.UTF_8);
    }

    private static int checkedLength(int length) {
        assertThat(length).isPositive();
        return length;
    }

    /** Sends {@code text} and returns the reply of the same length plus {@code extra} bytes. */
    String roundTrip(String text, int extra) throws IOException {
        send(text);
        String reply = read(text.getBytes(StandardCharsets.UTF_8).length + extra);
        return reply;
    }

    /**
     * Whether the relay disconnected this user within {@link #WAIT}: a read sees EOF or a reset. Fails the test on
     * data or on a time-out.
     */
    boolean awaitDisconnected() throws IOException {
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
    boolean pokeAndAwaitDisconnected() throws IOException {
        try {
            socket.getOutputStream().write('?');
            socket.getOutputStream().flush();
        } catch (SocketException e) {
            return true; // already reset
        }
        return awaitDisconnected();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
