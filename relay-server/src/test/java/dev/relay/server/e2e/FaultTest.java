package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Hello;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamOpen;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Clients that vanish, fall silent or talk nonsense: each costs only its own connection. */
class FaultTest {
    private TestServer server;
    private EchoTarget ps;
    private RelayClient bystander;
    private Tunnel bystanderTunnel;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void start() throws IOException {
        server = TestServer.builder()
                .heartbeat(Duration.ofMillis(300), Duration.ofSeconds(1))
                .handshakeTimeout(Duration.ofMillis(500))
                .start();
        ps = EchoTarget.start();
        bystander = server.client();
        bystanderTunnel = bystander.openTunnel("127.0.0.1", ps.port());
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.relay")).addAppender(logs);
    }

    @AfterEach
    void stop() throws IOException {
        ((Logger) LoggerFactory.getLogger("dev.relay")).detachAppender(logs);
        bystander.close();
        ps.close();
        server.close();
    }

    @Test
    void clientKilledWithoutGoodbyeLosesItsPortsAndUsers() throws IOException {
        RawControlClient client = RawControlClient.withTunnel(server.port());
        int port = tunnelPortOtherThanBystander();
        User user = User.connect(port);
        Waits.await().until(() -> server.registry.connectionCount() == 1);

        client.abort();

        assertThat(user.awaitDisconnected()).isTrue();
        SeedFlowTest.assertRefused(port);
        Waits.await().until(() -> server.registry.tunnelCount() == 1 && server.registry.clientCount() == 1
                && server.registry.connectionCount() == 0);
        assertBystanderWorks();
    }

    @Test
    void silentClientIsDroppedWithinTheHeartbeatTimeout() throws IOException {
        try (RawControlClient client = RawControlClient.withTunnel(server.port())) {
            // The raw client never answers pings: to the server it is a network that went quiet without a FIN.
            int port = tunnelPortOtherThanBystander();
            User user = User.connect(port);
            long start = System.nanoTime();

            assertThat(user.awaitDisconnected()).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(User.WAIT);
            SeedFlowTest.assertRefused(port);
            assertThat(client.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                    g -> assertThat(g.code()).isEqualTo(ErrorCode.HEARTBEAT_TIMEOUT));
        }
        // The real client answers pings, so it stayed.
        assertBystanderWorks();
    }

    @Test
    void connectionWithoutHandshakeIsClosedAfterTheTimeout() throws IOException {
        try (RawControlClient client = RawControlClient.connect(server.port())) {
            assertThat(client.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                    g -> assertThat(g.code()).isEqualTo(ErrorCode.HANDSHAKE_TIMEOUT));
        }
        assertBystanderWorks();
    }

    @Test
    void randomBytesCloseOnlyThatConnection() throws IOException {
        byte[] junk = new byte[128 * 1024]; // more than one maximal frame, so a whole frame is always read
        new Random(1).nextBytes(junk);
        junk[0] = 0; // a length prefix that is plausible enough to read a frame from
        junk[1] = 0;
        assertProtocolError(c -> send(c, junk), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void frameLongerThanTheMaximumClosesOnlyThatConnection() throws IOException {
        // bore's very_long_frame: announce a frame far beyond the limit, then keep sending.
        assertProtocolError(c -> {
            send(c, ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array());
            send(c, new byte[8192]);
        }, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void unknownFrameTypeClosesOnlyThatConnection() throws IOException {
        assertProtocolError(c -> send(c, new byte[] {0, 0, 0, 1, (byte) 0x7F}), ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void dataForAStreamNeverOpenedClosesOnlyThatConnection() throws IOException {
        assertProtocolError(c -> {
            handshake(c);
            sendFrame(c, new StreamData(4242, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        }, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void serverOnlyFrameFromAClientClosesOnlyThatConnection() throws IOException {
        assertProtocolError(c -> {
            handshake(c);
            sendFrame(c, new StreamOpen(1, 1, 1024, "nobody"));
        }, ErrorCode.PROTOCOL_ERROR);
    }

    @Test
    void wrongProtocolVersionClosesOnlyThatConnection() throws IOException {
        assertProtocolError(c -> sendFrame(c, new Hello(Frames.VERSION + 1, "", Frames.DEFAULT_MAX_FRAME_LENGTH,
                "future", "future-1")), ErrorCode.UNSUPPORTED_VERSION);
    }

    private void assertProtocolError(Consumer<RawControlClient> attack, ErrorCode expected) throws IOException {
        try (RawControlClient attacker = RawControlClient.connect(server.port())) {
            attack.accept(attacker);
            Frame last = attacker.lastFrameBeforeClose();
            assertThat(last).isInstanceOfSatisfying(GoAway.class, g -> assertThat(g.code()).isEqualTo(expected));
        }
        Waits.await().untilAsserted(() -> assertThat(logs.list)
                .anySatisfy(e -> {
                    assertThat(e.getLevel()).isEqualTo(Level.WARN);
                    assertThat(e.getFormattedMessage()).contains("protocol error");
                }));
        assertBystanderWorks();
        assertThat(server.registry.clientCount()).isEqualTo(1);
    }

    private void assertBystanderWorks() throws IOException {
        assertThat(bystanderTunnel.isOpen()).isTrue();
        try (User user = User.connect(bystanderTunnel.publicPort())) {
            assertThat(user.roundTrip("still here\n", 0)).isEqualTo("still here\n");
        }
    }

    private int tunnelPortOtherThanBystander() {
        return server.registry.tunnels().stream().mapToInt(t -> t.publicPort())
                .filter(p -> p != bystanderTunnel.publicPort()).findFirst().orElseThrow();
    }

    private static void handshake(RawControlClient c) {
        try {
            c.handshake();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(RawControlClient c, byte[] bytes) {
        try {
            c.sendRaw(bytes);
        } catch (IOException e) {
            // the server may already have closed: what it said is read next
        }
    }

    private static void sendFrame(RawControlClient c, Frame f) {
        try {
            c.send(f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
