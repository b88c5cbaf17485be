package dev.relay.server.hostile;

import dev.relay.server.e2e.EchoTarget;
import dev.relay.server.e2e.User;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.FrameCodec;
import dev.relay.protocol.GoAway;
import dev.relay.server.admin.AdminAppTest;
import dev.relay.server.tunnel.TunnelRegistry;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;

/**
 * The admin API lives on the admin port only: the whole application, a request that the admin port answers, and
 * the same bytes sent to the control port and to a public port.
 */
@AdminAppTest
class AdminPortIsolationTest {
    private static final String WRONG_ADMIN_TOKEN = "wrong-admin-token-4711";

    @RegisterExtension
    final ScenarioGuard guard = new ScenarioGuard();

    @Autowired
    private Environment environment;
    @Autowired
    private TunnelRegistry registry;

    private static String get(String token) {
        return "GET /api/tunnels HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + token
                + "\r\nConnection: close\r\n\r\n";
    }

    @Test
    void adminApiAnswersOnTheAdminPortOnlyNeverOnControlOrPublicPorts() throws IOException {
        guard.checkEmptyAfterwards(registry);
        int adminPort = environment.getRequiredProperty("local.server.port", Integer.class);
        int controlPort = environment.getRequiredProperty("local.relay.control.port", Integer.class);
        byte[] greeting = "TARGET SPEAKING\n".getBytes(ISO_8859_1);
        EchoTarget target = guard.closeLater(EchoTarget.greeting(greeting));
        RelayClient client = guard.closeLater(RelayClient.builder().server("127.0.0.1", controlPort)
                .token(AdminAppTest.CLIENT_TOKEN).reconnect(false).connect());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
        byte[] request = get(AdminAppTest.TOKEN).getBytes(ISO_8859_1);

        String admin = new String(exchange(adminPort, request), ISO_8859_1);
        assertThat(admin).as("the admin port answers the request").startsWith("HTTP/1.1 200")
                .contains("\"publicPort\":" + tunnel.publicPort());

        byte[] control = exchange(controlPort, request);
        assertThat(new String(control, ISO_8859_1)).as("the control port's answer").doesNotContain("HTTP/");
        List<Frame> frames = new ArrayList<>();
        ByteBuffer wire = ByteBuffer.wrap(control);
        while (wire.hasRemaining()) {
            int length = wire.getInt();
            frames.add(FrameCodec.decode(Unpooled.wrappedBuffer(control, wire.position(), length)));
            wire.position(wire.position() + length);
        }
        assertThat(frames).as("the control port's answer: protocol frames (a ping, then the refusal), then a close")
                .last().isInstanceOfSatisfying(GoAway.class,
                        g -> assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));

        try (User user = User.connect(tunnel.publicPort())) {
            user.send(request);
            byte[] expected = Arrays.copyOf(greeting, greeting.length + request.length);
            System.arraycopy(request, 0, expected, greeting.length, request.length);
            assertThat(user.socket.getInputStream().readNBytes(expected.length))
                    .as("only the tunnel's own target answers on a public port").isEqualTo(expected);
            user.socket.shutdownOutput();
            assertThat(user.readUntilClosed(0)).isEmpty();
        }
    }

    @Test
    void adminTokensNeverAppearInLogs() throws IOException {
        guard.checkEmptyAfterwards(registry);
        int adminPort = environment.getRequiredProperty("local.server.port", Integer.class);
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        String ok;
        String refused;
        try (IsolationAndAuthTest.LogCapture capture = IsolationAndAuthTest.LogCapture.everything(all)) {
            ok = new String(exchange(adminPort, get(AdminAppTest.TOKEN).getBytes(ISO_8859_1)), ISO_8859_1);
            refused = new String(exchange(adminPort, get(WRONG_ADMIN_TOKEN).getBytes(ISO_8859_1)), ISO_8859_1);
        }
        assertThat(ok).startsWith("HTTP/1.1 200");
        assertThat(refused).startsWith("HTTP/1.1 401");
        assertThat(all.list).as("events captured at every level").isNotEmpty();
        // Tomcat's Http11InputBuffer dumps every raw request, headers and all, at DEBUG: with that logger at DEBUG
        // the bearer token is in the log. docs/security.md says never to run org.apache.coyote at DEBUG; every
        // other logger, at every level, must stay clean.
        assertThat(IsolationAndAuthTest.mentioning(all.list, List.of(AdminAppTest.TOKEN, WRONG_ADMIN_TOKEN)))
                .as("log events, at any level, that contain a token")
                .isSubsetOf(Set.of("org.apache.coyote.http11.Http11InputBuffer [DEBUG]"));
        assertThat(all.list).as("Tomcat at DEBUG logs the raw request (if this changes, update docs/security.md)")
                .anySatisfy(e -> assertThat(e.getLoggerName()).startsWith("org.apache.coyote"));
    }

    /** Sends {@code request} and returns everything the port answers until it closes the connection. */
    private static byte[] exchange(int port, byte[] request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) User.WAIT.toMillis());
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            return User.readUntilClosed(in, 1 << 20);
        }
    }
}
