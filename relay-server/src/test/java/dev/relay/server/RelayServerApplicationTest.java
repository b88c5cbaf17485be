package dev.relay.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.server.control.ControlServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The packaged application: starts with its embedded configuration, carries a tunnel, stops its ports. */
class RelayServerApplicationTest {
    @Test
    void applicationRunsATunnelAndReleasesItsPortsOnStop() throws Exception {
        ConfigurableApplicationContext app = SpringApplication.run(RelayServerApplication.class,
                "--relay.control.port=0", "--server.port=0", "--relay.control.bind-address=127.0.0.1",
                "--relay.public.bind-address=127.0.0.1", "--relay.auth.tokens=app-token");
        int controlPort = app.getEnvironment().getRequiredProperty("local.relay.control.port", Integer.class);
        ControlServer controlServer = app.getBean(ControlServer.class);
        assertThat(controlPort).isPositive().isEqualTo(controlServer.port());

        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                RelayClient client = RelayClient.builder().server("127.0.0.1", controlPort).token("app-token").reconnect(false).connect()) {
            CompletableFuture<Void> answer = CompletableFuture.runAsync(() -> {
                try (Socket s = target.accept()) {
                    byte[] hello = s.getInputStream().readNBytes(5);
                    s.getOutputStream().write(("re:" + new String(hello, StandardCharsets.UTF_8)).getBytes());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Tunnel tunnel = client.openTunnel("127.0.0.1", target.getLocalPort());
            assertThat(tunnel.publicAddress()).startsWith("tcp://localhost:");
            try (Socket user = new Socket("127.0.0.1", tunnel.publicPort())) {
                user.setSoTimeout(10_000);
                OutputStream out = user.getOutputStream();
                out.write("hello".getBytes(StandardCharsets.UTF_8));
                InputStream in = user.getInputStream();
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("re:hello");
            }
            answer.join();

            app.close();
            assertThat(client.closeFuture().get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .contains("server shutting down");
            assertThat(tunnel.closeFuture()).isCompleted();
        }
        assertThat(controlServer.isRunning()).isFalse();
    }
}
