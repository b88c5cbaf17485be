package dev.relay.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.startupcheck.OneShotStartupCheckStrategy;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Builds the images from the Dockerfile and runs them the way the chart does: as 1000:1000 with a read-only root
 * file system and a writable /tmp. Skipped where there is no Docker engine. The first build downloads the
 * project's dependencies inside the build stage, so it takes minutes; later builds reuse Docker's layer cache.
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerImageTest {
    private static final String CLIENT_TOKEN = "deploy-test-client-token";
    private static final String ADMIN_TOKEN = "deploy-test-admin-token";
    private static final int CONTROL_PORT = 7835;
    private static final int ADMIN_PORT = 8080;
    private static final int FIRST_PUBLIC_PORT = 20000;
    private static final int LAST_PUBLIC_PORT = 20001;

    @Container
    private static final GenericContainer<?> server = new GenericContainer<>(RelayImages.build("server"))
            .withEnv("RELAY_AUTH_TOKENS", CLIENT_TOKEN)
            .withEnv("RELAY_ADMIN_TOKEN", ADMIN_TOKEN)
            .withEnv("RELAY_PUBLIC_PORTRANGE", FIRST_PUBLIC_PORT + "-" + LAST_PUBLIC_PORT)
            .withExposedPorts(CONTROL_PORT, ADMIN_PORT, FIRST_PUBLIC_PORT, LAST_PUBLIC_PORT)
            .withTmpFs(Map.of("/tmp", "rw"))
            .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withReadonlyRootfs(true))
            .waitingFor(Wait.forHttp("/actuator/health/readiness").forPort(ADMIN_PORT)
                    .withStartupTimeout(Duration.ofMinutes(2)));

    @Test
    void userBytesCrossTheRelayInTheContainer() throws Exception {
        try (EchoServer echo = new EchoServer();
             RelayClient client = RelayClient.builder()
                     .server(server.getHost(), server.getMappedPort(CONTROL_PORT))
                     .token(CLIENT_TOKEN)
                     .connect()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", echo.port());
            assertThat(tunnel.publicPort()).isBetween(FIRST_PUBLIC_PORT, LAST_PUBLIC_PORT);

            try (Socket user = new Socket(server.getHost(), server.getMappedPort(tunnel.publicPort()))) {
                user.setSoTimeout(10_000);
                user.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
                user.getOutputStream().flush();
                assertThat(new String(user.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
                        .isEqualTo("ping\n");
            }
        }
    }

    @Test
    void adminApiNeedsTheAdminToken() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        URI tunnels = URI.create("http://" + server.getHost() + ":" + server.getMappedPort(ADMIN_PORT)
                + "/api/tunnels");

        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(tunnels).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> admin = http.send(HttpRequest.newBuilder(tunnels)
                .header("Authorization", "Bearer " + ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(admin.statusCode()).isEqualTo(200);
    }

    @Test
    void serverRunsAsUser1000() throws Exception {
        assertThat(server.execInContainer("id", "-u").getStdout().trim()).isEqualTo("1000");
    }

    @Test
    void clientImageRunsTheClientJar() {
        try (GenericContainer<?> client = new GenericContainer<>(RelayImages.build("client"))
                .withCommand("--help")
                .withStartupCheckStrategy(new OneShotStartupCheckStrategy().withTimeout(Duration.ofMinutes(1)))) {
            client.start();

            assertThat(client.getLogs()).contains("relay-client").contains("--server");
        }
    }

    /** Echoes every byte back, one connection at a time: enough for one user. */
    private static final class EchoServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread thread;

        EchoServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "echo-server");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    InputStream in = connection.getInputStream();
                    OutputStream out = connection.getOutputStream();
                    in.transferTo(out);
                } catch (IOException e) {
                    // Closed by close(), or the peer went away: either way, serve the next one or stop.
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
