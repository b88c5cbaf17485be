package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The seed's test tree: the whole flow, one step at a time, with real sockets on 127.0.0.1. */
class SeedFlowTest {
    private TestServer server;

    @BeforeEach
    void startServer() {
        server = TestServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void clientOpensTunnelThenClientAndServerStop() throws IOException {
        try (EchoTarget ps = EchoTarget.start()) {
            RelayClient client = server.client();
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());

            assertThat(tunnel.publicAddress()).isEqualTo("tcp://localhost:" + tunnel.publicPort());
            assertThat(server.registry.tunnels()).singleElement()
                    .satisfies(t -> assertThat(t.publicPort()).isEqualTo(tunnel.publicPort()));

            client.close();
            Waits.await().until(() -> server.registry.tunnelCount() == 0
                    && server.registry.clientCount() == 0);
            assertThat(tunnel.closeFuture()).isCompleted();
            assertRefused(tunnel.publicPort());
        }
        server.close();
        assertThat(server.server.isRunning()).isFalse();
        assertRefused(server.port());
    }

    @Test
    void userSendsAndGetsTheReply() throws IOException {
        try (EchoTarget ps = EchoTarget.named("ps"); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());

            User user = User.connect(tunnel.publicPort());
            assertThat(user.roundTrip("hello\n", 3)).isEqualTo("ps:hello\n");
            user.close();

            Waits.await().until(() -> server.registry.connectionCount() == 0);
            assertThat(server.registry.tunnels()).singleElement()
                    .satisfies(t -> assertThat(t.bytesIn()).isEqualTo(6));
        }
        Waits.await().until(() -> server.registry.clientCount() == 0);
    }

    @Test
    void twoUsersOnOnePortKeepTheirOwnConversation() throws IOException {
        try (EchoTarget ps = EchoTarget.named("ps"); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            User u1 = User.connect(tunnel.publicPort());
            User u2 = User.connect(tunnel.publicPort());

            assertThat(u1.roundTrip("u1 first\n", 3)).isEqualTo("ps:u1 first\n");
            u1.send("u1 both\n");
            u2.send("u2 both\n");
            assertThat(u1.read(11)).isEqualTo("ps:u1 both\n");
            assertThat(u2.read(11)).isEqualTo("ps:u2 both\n");

            u1.close();
            Waits.await().until(() -> server.registry.connectionCount() == 1);
            assertThat(u2.roundTrip("u2 alone\n", 3)).isEqualTo("ps:u2 alone\n");
            u2.close();
        }
    }

    @Test
    void twoClientsWithTwoProtectedServersNeverCrossOver() throws IOException {
        try (EchoTarget ps1 = EchoTarget.named("ps1"); EchoTarget ps2 = EchoTarget.named("ps2");
                RelayClient c1 = server.client(); RelayClient c2 = server.client()) {
            Tunnel t1 = c1.openTunnel("127.0.0.1", ps1.port());
            Tunnel t2 = c2.openTunnel("127.0.0.1", ps2.port());
            assertThat(t1.publicPort()).isNotEqualTo(t2.publicPort());

            User a1 = User.connect(t1.publicPort());
            User a2 = User.connect(t1.publicPort());
            User b1 = User.connect(t2.publicPort());
            User b2 = User.connect(t2.publicPort());

            assertThat(a1.roundTrip("a1\n", 4)).isEqualTo("ps1:a1\n");
            assertThat(b1.roundTrip("b1\n", 4)).isEqualTo("ps2:b1\n");
            assertThat(a2.roundTrip("a2\n", 4)).isEqualTo("ps1:a2\n");
            assertThat(b2.roundTrip("b2\n", 4)).isEqualTo("ps2:b2\n");
            a1.close();
            b1.close();
            assertThat(a2.roundTrip("a2 again\n", 4)).isEqualTo("ps1:a2 again\n");
            assertThat(b2.roundTrip("b2 again\n", 4)).isEqualTo("ps2:b2 again\n");
            a2.close();
            b2.close();
            Waits.await().until(() -> server.registry.connectionCount() == 0);
        }
    }

    @Test
    void refusedTargetClosesTheUserAndKeepsTheTunnel() throws IOException {
        int port = 24_200; // nothing listens here, and no outgoing connection takes it: outside the ephemeral range
        try (RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", port);
            User refused = User.connect(tunnel.publicPort());
            assertThat(refused.awaitDisconnected()).isTrue();
            assertThat(tunnel.isOpen()).isTrue();

            try (EchoTarget ps = EchoTarget.onPort(port)) {
                User user = User.connect(tunnel.publicPort());
                assertThat(user.roundTrip("back\n", 0)).isEqualTo("back\n");
                user.close();
            }
        }
    }

    @Test
    void requestedPortIsGrantedAndATakenOneRefused() throws IOException {
        // A port outside the kernel's ephemeral range, so that no outgoing connection takes it meanwhile.
        int wanted = 24_150;
        try (TestServer ranged = TestServer.builder().portRange("24100-24199").start();
                EchoTarget ps = EchoTarget.start(); RelayClient client = ranged.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port(), wanted);
            assertThat(tunnel.publicPort()).isEqualTo(wanted);
            assertThat(tunnel.publicAddress()).isEqualTo("tcp://localhost:" + wanted);

            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.openTunnel("127.0.0.1", ps.port(), wanted))
                    .hasMessageContaining("port " + wanted + " is not available");
            User user = User.connect(wanted);
            assertThat(user.roundTrip("still works\n", 0)).isEqualTo("still works\n");
        }
    }

    static void assertRefused(int port) {
        Waits.await().untilAsserted(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                if (s.getLocalPort() == port) {
                    return; // TCP self-connect to a free ephemeral port: nothing listens there
                }
                throw new AssertionError("port " + port + " still accepts connections");
            } catch (ConnectException expected) {
                // refused: nothing listens any more
            } catch (SocketException reset) {
                // Reset by a listener that is closing (its descriptor goes on the event loop's next turn): not
                // served, but not the final state either; look again.
                throw new AssertionError("port " + port + " reset the connect: its listener is still closing", reset);
            }
        });
    }
}
