package dev.relay.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Helpers for a test's user sockets on a tunnel's public port. */
public final class Users {
    private Users() {
    }

    /** Connects to a public port on the loopback address, with a read timeout so that no test hangs. */
    public static Socket connect(int publicPort) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), publicPort);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Writes {@code text} and asserts it comes back through the tunnel. */
    public static void assertEchoes(Socket user, String text) throws IOException {
        byte[] sent = text.getBytes(StandardCharsets.UTF_8);
        user.getOutputStream().write(sent);
        user.getOutputStream().flush();
        byte[] received = user.getInputStream().readNBytes(sent.length);
        assertThat(new String(received, StandardCharsets.UTF_8)).isEqualTo(text);
    }
}
