package dev.relay.server.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.server.RelayServerApplication;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** On shutdown the running app reports not ready over HTTP while open connections drain, and they still work. */
class ReadinessDuringDrainTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void readinessIsDownWhileATransferDrains() throws Exception {
        ConfigurableApplicationContext app = SpringApplication.run(RelayServerApplication.class,
                "--relay.control.port=0", "--server.port=0", "--relay.control.bind-address=127.0.0.1",
                "--relay.public.bind-address=127.0.0.1", "--relay.auth.tokens=drain-token",
                "--relay.admin.token=admin-token", "--relay.shutdown.drain-timeout=60s");
        int controlPort = app.getEnvironment().getRequiredProperty("local.relay.control.port", Integer.class);
        int webPort = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
        assertThat(readiness(webPort)).isEqualTo(200);

        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                RelayClient client = RelayClient.builder().server("127.0.0.1", controlPort).token("drain-token")
                        .reconnect(false).connect()) {
            CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
                try (Socket s = target.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Tunnel tunnel = client.openTunnel("127.0.0.1", target.getLocalPort());
            try (Socket user = new Socket("127.0.0.1", tunnel.publicPort())) {
                user.setSoTimeout(10_000);
                OutputStream out = user.getOutputStream();
                InputStream in = user.getInputStream();
                out.write("before".getBytes());
                assertThat(in.readNBytes(6)).asString().isEqualTo("before");

                CompletableFuture<Void> closing = CompletableFuture.runAsync(app::close);
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20))
                        .until(() -> readiness(webPort) == 503);

                out.write("during".getBytes());
                assertThat(in.readNBytes(6)).as("the open connection still works while draining")
                        .asString().isEqualTo("during");
                assertThat(closing).isNotDone();
                user.shutdownOutput();
                assertThat(in.read()).isEqualTo(-1);
                closing.get(30, TimeUnit.SECONDS);
            }
            echo.get(10, TimeUnit.SECONDS);
        }
    }

    private int readiness(int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/actuator/health/readiness")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (Exception e) {
            return -1;
        }
    }
}
