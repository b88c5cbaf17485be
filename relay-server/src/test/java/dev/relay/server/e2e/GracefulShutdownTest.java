package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Stopping the server drains: no new clients or users, open transfers finish, the rest close at the deadline. */
class GracefulShutdownTest {
    private static final int MiB = 1024 * 1024;

    @Test
    void transferInFlightCompletesWhileTheServerDrains() throws Exception {
        TestServer server = TestServer.builder().drainTimeout(Duration.ofSeconds(60)).start();
        try (EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            User user = User.connect(tunnel.publicPort());
            byte[] first = random(MiB, 1);
            byte[] rest = random(4 * MiB, 2);
            OutputStream out = user.socket.getOutputStream();
            InputStream in = user.socket.getInputStream();
            out.write(first);
            assertThat(in.readNBytes(first.length)).isEqualTo(first);

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
            Waits.await().until(() -> !server.server.isRunning());
            SeedFlowTest.assertRefused(tunnel.publicPort()); // no new users
            SeedFlowTest.assertRefused(server.port());       // no new clients
            assertThat(client.isConnected()).as("the client stays for its open connections").isTrue();

            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return in.readNBytes(rest.length);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            out.write(rest);
            assertThat(echoed.get(30, TimeUnit.SECONDS)).as("the transfer completes during the drain").isEqualTo(rest);
            assertThat(stopping).as("still draining while the user is connected").isNotDone();

            user.close();
            stopping.get(30, TimeUnit.SECONDS);
            assertThat(client.closeFuture().get(10, TimeUnit.SECONDS)).contains("server shutting down");
        }
    }

    @Test
    void connectionsStillOpenAtTheDrainTimeoutAreClosed() throws Exception {
        TestServer server = TestServer.builder().drainTimeout(Duration.ofMillis(300)).start();
        try (EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            User idle = User.connect(tunnel.publicPort());
            assertThat(idle.roundTrip("hi", 0)).isEqualTo("hi");

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
            assertThat(idle.awaitDisconnected()).isTrue();
            stopping.get(30, TimeUnit.SECONDS);
            assertThat(server.registry.connectionCount()).isZero();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return Arrays.copyOf(b, n);
    }
}
