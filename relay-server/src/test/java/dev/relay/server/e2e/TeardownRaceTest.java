package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DESIGN.md's race: a user connects while the tunnel's client goes away. However the two interleave, the user must
 * end up disconnected and the registry must hold nothing for the tunnel.
 */
class TeardownRaceTest {
    private static final int ROUNDS = 1_000;

    private TestServer server;
    private ExecutorService users;

    @BeforeEach
    void start() {
        // Public ports outside the kernel's ephemeral range (32768-60999 here): a user's connect to a port just
        // released could otherwise be given that very port as its source and connect to itself.
        server = TestServer.builder().portRange("21000-21999").start();
        users = Executors.newFixedThreadPool(2);
    }

    @AfterEach
    void stop() {
        users.shutdownNow();
        server.close();
    }

    @Test
    void userConnectingWhileClientVanishesIsAlwaysDisconnected() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            RawControlClient client = RawControlClient.withTunnel(server.port());
            int port = server.registry.tunnels().get(0).publicPort();
            int tunnelId = server.registry.tunnels().get(0).id();
            // Vary which side gets ahead: the user's connect starts a few spins before or after the client dies.
            int spins = ThreadLocalRandom.current().nextInt(-2_000, 2_000);
            CompletableFuture<User> user = CompletableFuture.supplyAsync(() -> {
                spin(Math.max(0, spins));
                return connectOrNull(port);
            }, users);
            spin(Math.max(0, -spins));
            if (round % 2 == 0) {
                client.abort();
            } else {
                client.close();
            }
            User u = user.get(User.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (u != null) {
                assertThat(u.pokeAndAwaitDisconnected()).as("round %d: user disconnected", round).isTrue();
                u.close();
            }
            Waits.await().until(() -> server.registry.tunnelCount() == 0);
            assertThat(server.registry.connections()).as("round %d", round)
                    .noneMatch(c -> c.tunnelId() == tunnelId);
        }
        assertThat(server.registry.clientCount()).isZero();
    }

    @Test
    void userConnectingWhileRealClientClosesIsAlwaysDisconnected() throws Exception {
        try (EchoTarget ps = EchoTarget.start()) {
            for (int round = 0; round < ROUNDS / 10; round++) {
                RelayClient client = server.client();
                Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
                CompletableFuture<User> user = CompletableFuture.supplyAsync(() -> connectOrNull(tunnel.publicPort()),
                        users);
                spin(ThreadLocalRandom.current().nextInt(4_000));
                client.close();
                User u = user.get(User.WAIT.toMillis(), TimeUnit.MILLISECONDS);
                if (u != null) {
                    assertThat(u.pokeAndAwaitDisconnected()).isTrue();
                    u.close();
                }
                Waits.await().until(() -> server.registry.tunnelCount() == 0
                        && server.registry.connectionCount() == 0);
            }
        }
    }

    private static User connectOrNull(int port) {
        try {
            return User.connect(port);
        } catch (SocketException refusedOrReset) {
            return null; // the listener was already closed, or closed with the connect queued: disconnected
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void spin(int n) {
        for (int i = 0; i < n; i++) {
            Thread.onSpinWait();
        }
    }
}
