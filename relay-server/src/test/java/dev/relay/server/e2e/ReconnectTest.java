package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.RelayClient;
import dev.relay.client.RelayListener;
import dev.relay.client.Tunnel;
import dev.relay.server.config.RelayProperties;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client comes back by itself after a lost connection, with the public ports it had. */
class ReconnectTest {
    private static final String RANGE = "22000-22099";

    /** Records tunnel openings as they happen, to wait on the reopening after a reconnection. */
    private static final class Events implements RelayListener {
        final LinkedBlockingQueue<String> opened = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<String> disconnects = new LinkedBlockingQueue<>();

        @Override
        public void tunnelOpened(Tunnel tunnel) {
            opened.add(tunnel.publicAddress());
        }

        @Override
        public void disconnected(String reason, Duration retryIn) {
            disconnects.add(reason);
        }

        String nextOpened() throws InterruptedException {
            String a = opened.poll(User.WAIT.toSeconds() * 2, TimeUnit.SECONDS);
            assertThat(a).as("a tunnel was (re)opened").isNotNull();
            return a;
        }
    }

    private static RelayClient client(int port, Events events) {
        return RelayClient.builder().server("127.0.0.1", port).token(TestServer.TOKEN).listener(events)
                .reconnectBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).connect();
    }

    @Test
    void serverRestartedOnTheSamePortsGetsTheClientBackOnTheSamePublicPort() throws Exception {
        int controlPort = 24_300; // outside the ephemeral range: still free when the second server binds it
        Events events = new Events();
        TestServer first = TestServer.builder().controlPort(controlPort).portRange(RANGE).start();
        try (EchoTarget ps = EchoTarget.start(); RelayClient client = client(controlPort, events)) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            String address = events.nextOpened();
            roundTrip(tunnel.publicPort());

            first.close();
            assertThat(events.disconnects.poll(10, TimeUnit.SECONDS)).isNotNull();
            try (TestServer second = TestServer.builder().controlPort(controlPort).portRange(RANGE).start()) {
                assertThat(events.nextOpened()).isEqualTo(address);
                assertThat(tunnel.publicAddress()).isEqualTo(address);
                assertThat(tunnel.isOpen()).isTrue();
                roundTrip(tunnel.publicPort());
                assertThat(second.registry.tunnels()).singleElement()
                        .satisfies(t -> assertThat(t.publicPort()).isEqualTo(tunnel.publicPort()));
            }
        }
    }

    @Test
    void droppedConnectionComesBackWithTheSamePortWhichNobodyElseGetsMeanwhile() throws Exception {
        try (TestServer server = TestServer.builder().portRange(RANGE).start();
                DropProxy network = new DropProxy(server.port());
                EchoTarget ps = EchoTarget.start()) {
            Events events = new Events();
            try (RelayClient client = client(network.port(), events); RelayClient other = server.client()) {
                Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
                String address = events.nextOpened();
                int port = tunnel.publicPort();

                network.pause();
                network.dropAll();
                Waits.await().until(() -> server.server.reservedPorts().contains(port));
                assertThatThrownBy(() -> other.openTunnel("127.0.0.1", ps.port(), port))
                        .hasMessageContaining("reserved");

                network.resume();
                assertThat(events.nextOpened()).isEqualTo(address);
                roundTrip(port);
                assertThat(server.server.reservedPorts()).doesNotContain(port);
            }
        }
    }

    @Test
    void serverAtItsClientLimitIsTriedAgainUntilThereIsRoom() throws Exception {
        RelayProperties.Limits oneClient = new RelayProperties.Limits(1, 20, 1000, 1000, 1000, 10_000, 64);
        try (TestServer server = TestServer.builder().portRange(RANGE).limits(oneClient).start();
                DropProxy network = new DropProxy(server.port());
                EchoTarget ps = EchoTarget.start()) {
            Events events = new Events();
            try (RelayClient client = client(network.port(), events)) {
                Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
                String address = events.nextOpened();

                network.pause();
                network.dropAll();
                Waits.await().until(() -> server.registry.clientCount() == 0);
                RelayClient other = server.client(); // takes the only slot
                network.resume();
                // Refused as OVERLOADED, at least once: the client must keep trying, not give up.
                Waits.await().until(() -> server.server.counters().clientsRefused() > 0);
                assertThat(client.closeFuture()).isNotDone();

                other.close();
                assertThat(events.nextOpened()).isEqualTo(address);
                roundTrip(tunnel.publicPort());
            }
        }
    }

    @Test
    void clientThatSaysGoodbyeFreesItsPortAtOnce() throws Exception {
        try (TestServer server = TestServer.builder().portRange(RANGE).start(); EchoTarget ps = EchoTarget.start();
                RelayClient other = server.client()) {
            RelayClient client = server.client();
            int port = client.openTunnel("127.0.0.1", ps.port()).publicPort();
            client.close();
            Waits.await().until(() -> server.registry.tunnelCount() == 0);
            assertThat(server.server.reservedPorts()).isEmpty();
            assertThat(other.openTunnel("127.0.0.1", ps.port(), port).publicPort()).isEqualTo(port);
        }
    }

    @Test
    void clientClosedByAnOperatorDoesNotComeBack() throws Exception {
        try (TestServer server = TestServer.builder().portRange(RANGE).start(); EchoTarget ps = EchoTarget.start()) {
            Events events = new Events();
            RelayClient client = client(server.port(), events);
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            CompletableFuture<Void> kicked = server.registry.client(server.registry.clients().get(0).id())
                    .orElseThrow().close("disconnected by an operator");
            kicked.get(10, TimeUnit.SECONDS);

            assertThat(client.closeFuture().get(10, TimeUnit.SECONDS)).contains("disconnected by an operator");
            assertThat(tunnel.closeFuture()).isCompleted();
            assertThat(server.server.reservedPorts()).isEmpty();
            assertThat(server.registry.clientCount()).isZero();
            client.close();
        }
    }

    private static void roundTrip(int port) throws IOException {
        try (User user = User.connect(port)) {
            assertThat(user.roundTrip("ping\n", 0)).isEqualTo("ping\n");
        }
    }
}
