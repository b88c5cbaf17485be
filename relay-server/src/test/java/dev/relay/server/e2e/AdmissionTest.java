package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.Tunnel;
import dev.relay.client.TunnelOptions;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.tunnel.AuditLog;
import dev.relay.server.tunnel.RefusalReason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/** Every limit refuses clearly, counts the refusal by reason, and leaves everyone else alone. */
class AdmissionTest {
    private static RelayProperties.Limits limits(int maxClients, int tunnelsPerClient, int maxConnections,
            int perTunnel, int perIp, int ratePerIp) {
        return new RelayProperties.Limits(maxClients, tunnelsPerClient, maxConnections, perTunnel, perIp, ratePerIp,
                64);
    }

    @Test
    void connectionsOverThePerTunnelLimitAreClosedAtOnceAndCounted() throws IOException {
        try (TestServer server = TestServer.builder().limits(limits(10, 10, 100, 2, 100, 1000)).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            User u1 = User.connect(tunnel.publicPort());
            User u2 = User.connect(tunnel.publicPort());
            assertThat(u1.roundTrip("1", 0)).isEqualTo("1");
            assertThat(u2.roundTrip("2", 0)).isEqualTo("2");

            assertThat(User.refused(() -> User.connect(tunnel.publicPort()))).isTrue();
            assertThat(server.registry.connectionsRefused(RefusalReason.TUNNEL_LIMIT)).isEqualTo(1);
            assertThat(u1.roundTrip("still", 0)).isEqualTo("still");

            u1.close();
            Waits.await().until(() -> server.registry.connectionCount() == 1);
            try (User again = User.connect(tunnel.publicPort())) {
                assertThat(again.roundTrip("room again", 0)).isEqualTo("room again");
            }
            u2.close();
        }
    }

    @Test
    void perAddressAndServerWideCapsRefuseByReason() throws IOException {
        try (TestServer server = TestServer.builder().limits(limits(10, 10, 3, 100, 2, 1000)).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            List<User> users = new ArrayList<>();
            users.add(User.connect(tunnel.publicPort()));
            users.add(User.connect(tunnel.publicPort()));
            Waits.await().until(() -> server.registry.connectionCount() == 2);
            assertThat(User.refused(() -> User.connect(tunnel.publicPort()))).isTrue();
            assertThat(server.registry.connectionsRefused(RefusalReason.IP_LIMIT)).isEqualTo(1);
            for (User u : users) {
                assertThat(u.roundTrip("ok", 0)).isEqualTo("ok");
                u.close();
            }
        }
        // The server-wide cap, from two source addresses (127.0.0.1 and 127.0.0.2 are both loopback).
        try (TestServer server = TestServer.builder().limits(limits(10, 10, 2, 100, 100, 1000)).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            User a = User.connect(tunnel.publicPort());
            User b = User.connectFrom("127.0.0.2", tunnel.publicPort());
            Waits.await().until(() -> server.registry.connectionCount() == 2);
            assertThat(User.refused(() -> User.connectFrom("127.0.0.3", tunnel.publicPort()))).isTrue();
            assertThat(server.registry.connectionsRefused(RefusalReason.SERVER_LIMIT)).isEqualTo(1);
            assertThat(b.roundTrip("b", 0)).isEqualTo("b");
            a.close();
            b.close();
        }
    }

    @Test
    void connectRatePerAddressIsLimited() throws IOException {
        try (TestServer server = TestServer.builder().limits(limits(10, 10, 1000, 1000, 1000, 5)).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            // A burst of 20 connects in far less than a second: the bucket holds 5.
            List<User> users = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                try {
                    users.add(User.connect(tunnel.publicPort()));
                } catch (java.net.SocketException refusedDuringConnect) {
                    // counted by the server like the others
                }
            }
            Waits.await().until(() -> server.registry.connectionsRefused(RefusalReason.IP_RATE)
                    + server.registry.connectionsAccepted() == 20);
            assertThat(server.registry.connectionsRefused(RefusalReason.IP_RATE)).isBetween(10L, 15L);
            for (User u : users) {
                u.close();
            }
        }
    }

    @Test
    void deniedAddressesAreRefusedAndOthersServed() throws IOException {
        RelayProperties.Access access = new RelayProperties.Access(List.of("127.0.0.0/8"), List.of("127.0.0.2/32"));
        try (TestServer server = TestServer.builder().access(access).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            assertThat(User.refused(() -> User.connectFrom("127.0.0.2", tunnel.publicPort()))).isTrue();
            assertThat(server.registry.connectionsRefused(RefusalReason.ACCESS_DENIED)).isEqualTo(1);
            try (User allowed = User.connectFrom("127.0.0.3", tunnel.publicPort())) {
                assertThat(allowed.roundTrip("in", 0)).isEqualTo("in");
            }
        }
    }

    @Test
    void tunnelsOwnAllowListNarrowsButNeverWidensTheServersPolicy() throws IOException {
        RelayProperties.Access access = new RelayProperties.Access(List.of(), List.of("127.0.0.3/32"));
        try (TestServer server = TestServer.builder().access(access).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel(TunnelOptions.to("127.0.0.1", ps.port())
                    .allow(List.of("127.0.0.2", "127.0.0.3/32")));
            assertThat(server.registry.tunnels()).singleElement()
                    .satisfies(t -> assertThat(t.allow()).containsExactly("127.0.0.2", "127.0.0.3/32"));
            try (User allowed = User.connectFrom("127.0.0.2", tunnel.publicPort())) {
                assertThat(allowed.roundTrip("mine", 0)).isEqualTo("mine");
            }
            assertThat(User.refused(() -> User.connect(tunnel.publicPort()))).as("not on the tunnel's list").isTrue();
            assertThat(User.refused(() -> User.connectFrom("127.0.0.3", tunnel.publicPort())))
                    .as("on the tunnel's list, but the server denies it").isTrue();
            assertThat(server.registry.connectionsRefused(RefusalReason.ACCESS_DENIED)).isEqualTo(2);

            assertThatThrownBy(() -> client.openTunnel(TunnelOptions.to("127.0.0.1", ps.port())
                    .allow(List.of("not-an-address/99"))))
                    .hasMessageContaining("allow list entry 'not-an-address/99'");
        }
    }

    @Test
    void tunnelsPerClientAndClientsAreLimitedWithAReason() throws IOException {
        try (TestServer server = TestServer.builder().limits(limits(1, 1, 100, 100, 100, 1000)).start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            client.openTunnel("127.0.0.1", ps.port());
            assertThatThrownBy(() -> client.openTunnel("127.0.0.1", ps.port()))
                    .hasMessageContaining("relay.limits.max-tunnels-per-client=1");
            assertThatThrownBy(server::client).isInstanceOf(RelayException.class)
                    .hasMessageContaining("relay.limits.max-clients");
            assertThat(server.server.counters().clientsRefused()).isEqualTo(1);
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void auditTrailHasOneEventPerSessionTunnelAndConnection() throws IOException {
        ListAppender<ILoggingEvent> audit = listenToAudit();
        try (TestServer server = TestServer.start(); EchoTarget ps = EchoTarget.start()) {
            RelayClient client = server.client();
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            try (User user = User.connect(tunnel.publicPort())) {
                assertThat(user.roundTrip("abc", 0)).isEqualTo("abc");
            }
            Waits.await().until(() -> server.registry.connectionCount() == 0);
            client.close();
            Waits.await().until(() -> server.registry.clientCount() == 0);

            List<Map<String, Object>> events = audit.list.stream().map(AdmissionTest::pairs).toList();
            assertThat(events).extracting(e -> e.get("event")).containsExactly("client-connected", "tunnel-opened",
                    "connection-closed", "tunnel-closed", "client-disconnected");
            Map<String, Object> closed = events.get(2);
            assertThat(closed).containsEntry("bytesIn", 3L).containsEntry("bytesOut", 3L)
                    .containsEntry("reason", "user-closed").containsEntry("tunnelId", tunnel.id())
                    .containsKeys("connectionId", "clientId", "sourceAddress", "durationMs");
            assertThat((String) closed.get("sourceAddress")).startsWith("127.0.0.1:");
            assertThat(audit.list).allSatisfy(e -> assertThat(e.getFormattedMessage()).doesNotContain(
                    TestServer.TOKEN));
        } finally {
            auditLogger().detachAppender(audit);
        }
    }

    @Test
    void aUserSilentBothWaysForTheIdleTimeoutIsClosedAndOneThatTalksIsNot() throws Exception {
        ListAppender<ILoggingEvent> audit = listenToAudit();
        Duration idle = Duration.ofSeconds(1);
        try (TestServer server = TestServer.builder().userIdleTimeout(idle).start(); EchoTarget ps = EchoTarget.start();
                RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            try (User silent = User.connect(tunnel.publicPort()); User talking = User.connect(tunnel.publicPort())) {
                assertThat(silent.roundTrip("hi", 0)).isEqualTo("hi");
                CompletableFuture<Boolean> closed = CompletableFuture.supplyAsync(() -> {
                    try {
                        return silent.awaitDisconnected();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                // The other user keeps talking (a round trip after another, each far inside the timeout) until the
                // silent one is closed: traffic either way restarts its clock.
                long talks = 0;
                while (!closed.isDone()) {
                    assertThat(talking.roundTrip("t", 0)).isEqualTo("t");
                    talks++;
                }
                assertThat(closed.get()).isTrue();
                assertThat(talks).isPositive();
                assertThat(talking.roundTrip("still here", 0)).isEqualTo("still here");
            }
            Waits.await().until(() -> audit.list.stream().map(AdmissionTest::pairs)
                    .anyMatch(e -> "connection-closed".equals(e.get("event"))
                            && "idle-timeout".equals(e.get("reason"))));
            assertThat(audit.list.stream().map(AdmissionTest::pairs)
                    .filter(e -> "idle-timeout".equals(e.get("reason")))).hasSize(1);
        } finally {
            auditLogger().detachAppender(audit);
        }
    }

    /** Collects the audit events from now on; detach it with {@code auditLogger().detachAppender(..)}. */
    private static ListAppender<ILoggingEvent> listenToAudit() {
        ListAppender<ILoggingEvent> audit = new ListAppender<>();
        // Appended to on the event loops while a test reads it.
        audit.list = new java.util.concurrent.CopyOnWriteArrayList<>();
        audit.start();
        auditLogger().addAppender(audit);
        auditLogger().setLevel(ch.qos.logback.classic.Level.INFO);
        return audit;
    }

    private static Logger auditLogger() {
        return (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
    }

    private static Map<String, Object> pairs(ILoggingEvent e) {
        List<KeyValuePair> kv = e.getKeyValuePairs() == null ? List.of() : e.getKeyValuePairs();
        return kv.stream().collect(Collectors.toMap(p -> p.key, p -> p.value instanceof Integer i ? (Object) i
                : p.value, (a, b) -> b));
    }
}
