package dev.relay.server.hostile;

import dev.relay.server.e2e.TestServer;
import dev.relay.server.e2e.RawControlClient;
import dev.relay.server.e2e.EchoTarget;
import dev.relay.server.e2e.Waits;
import dev.relay.server.e2e.User;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.Tunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.Ping;
import dev.relay.protocol.Pong;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamHalfClose;
import dev.relay.protocol.StreamOpen;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.TunnelRefused;
import dev.relay.protocol.Welcome;
import dev.relay.protocol.WindowUpdate;
import dev.relay.server.config.RelayProperties;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import org.springframework.util.unit.DataSize;

/**
 * A client that speaks the protocol badly on purpose, against a real server: frames out of state, a flood of
 * tunnel requests, a flood of connections that never authenticate. Each costs the offender its own connection (or
 * its requests) and nobody else anything.
 */
class BadInputTest {
    /** The server's per-stream window here: small, so that one frame can exceed it. */
    private static final int WINDOW = 16 * 1024;

    @RegisterExtension
    final ScenarioGuard guard = new ScenarioGuard();

    /**
     * Frames out of their stream's state, frames a client may never send, and length prefixes no frame may have:
     * each is a connection error for the offender.
     */
    enum OutOfState {
        DATA_FOR_A_STREAM_NEVER_OPENED(s -> frames(new StreamData(s + 1000, bytes("hello")))),
        STREAM_ACCEPT_TWICE(s -> frames(new StreamAccept(s, WINDOW), new StreamAccept(s, WINDOW))),
        STREAM_ACCEPT_FOR_A_STREAM_NEVER_OPENED(s -> frames(new StreamAccept(s + 5, WINDOW))),
        WINDOW_UPDATE_BEFORE_STREAM_ACCEPT(s -> frames(new WindowUpdate(s, 1))),
        WINDOW_UPDATE_OVERFLOWING_2_POW_31_MINUS_1(s -> frames(new StreamAccept(s, WINDOW),
                new WindowUpdate(s, Frames.MAX_WINDOW - WINDOW + 1))),
        WINDOW_UPDATE_ON_A_FULL_WINDOW(s -> frames(new StreamAccept(s, Frames.MAX_WINDOW), new WindowUpdate(s, 1))),
        DATA_BEYOND_THE_WINDOW(s -> frames(new StreamAccept(s, WINDOW),
                new StreamData(s, Unpooled.wrappedBuffer(new byte[WINDOW + 1])))),
        DATA_AFTER_HALF_CLOSE(s -> frames(new StreamAccept(s, WINDOW), new StreamHalfClose(s),
                new StreamData(s, bytes("late")))),
        HALF_CLOSE_TWICE(s -> frames(new StreamAccept(s, WINDOW), new StreamHalfClose(s), new StreamHalfClose(s))),
        SERVER_FRAME_TUNNEL_OPENED(s -> frames(new TunnelOpened(1, 1, 1, "tcp://x:1"))),
        SERVER_FRAME_WELCOME(s -> frames(new Welcome(Frames.VERSION, "s", Frames.DEFAULT_MAX_FRAME_LENGTH, 1000))),
        SERVER_FRAME_STREAM_OPEN(s -> frames(new StreamOpen(s + 1, 1, WINDOW, "nobody"))),
        NEGATIVE_LENGTH_PREFIX(s -> prefix(0x80000000)),
        LENGTH_PREFIX_MINUS_ONE(s -> prefix(0xFFFFFFFF)),
        ZERO_LENGTH_PREFIX(s -> prefix(0));

        final IntFunction<byte[]> attack;

        OutOfState(IntFunction<byte[]> attack) {
            this.attack = attack;
        }

        private static byte[] frames(Frame... frames) {
            return RawControlClient.encode(frames);
        }

        private static byte[] prefix(int length) {
            return ByteBuffer.allocate(4 + 64).putInt(length).array();
        }

        private static ByteBuf bytes(String s) {
            return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
        }
    }

    @ParameterizedTest
    @EnumSource(OutOfState.class)
    void frameOutOfStateClosesOnlyTheOffendersConnection(OutOfState attack) throws IOException {
        TestServer server = guard.start(TestServer.hostileBuilder().window(DataSize.ofBytes(WINDOW)));
        EchoTarget target = guard.closeLater(EchoTarget.start());
        RelayClient bystander = guard.closeLater(server.client());
        Tunnel bystanderTunnel = bystander.openTunnel("127.0.0.1", target.port());
        User bystanderUser = guard.closeLater(User.connect(bystanderTunnel.publicPort()));
        assertThat(bystanderUser.roundTrip("before\n")).isEqualTo("before\n");

        RawControlClient offender = guard.closeLater(RawControlClient.withTunnel(server.port(), server.token));
        User offendersUser = guard.closeLater(User.connect(offender.opened.publicPort()));
        StreamOpen open = offender.expect(StreamOpen.class);

        offender.sendRaw(attack.attack.apply(open.streamId()));

        assertThat(offender.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                g -> assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        assertThat(offendersUser.readUntilClosed(0)).as("bytes to the offender's user").isEmpty();
        assertThat(bystanderUser.roundTrip("after\n")).as("the bystander's user, mid-connection").isEqualTo("after\n");
        Waits.await().until(() -> server.registry.clientCount() == 1 && server.registry.tunnelCount() == 1);
        assertThat(server.server.counters().protocolErrors()).isPositive();
    }

    @Test
    void aBurstOfMalformedFramesIsOneProtocolErrorLoggedOnce() throws IOException {
        // protocol.md §8: the side that detects a protocol error sends GO_AWAY, "logs the error once with the
        // channel" and closes. 64 KiB of zeros is 16,384 empty frames in one read.
        TestServer server = guard.start(TestServer.hostileBuilder());
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        Logger relay = (Logger) LoggerFactory.getLogger("dev.relay");
        relay.addAppender(warnings);
        try (RawControlClient offender = RawControlClient.connect(server.port())) {
            offender.handshake(server.token);
            offender.sendRaw(new byte[64 * 1024]);
            assertThat(offender.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                    g -> assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        } finally {
            relay.detachAppender(warnings);
        }
        assertThat(warnings.list).filteredOn(e -> e.getFormattedMessage().contains("protocol error"))
                .as("warnings logged for one offending connection").hasSize(1);
        assertThat(server.server.counters().protocolErrors()).as("protocol errors counted for one connection")
                .isEqualTo(1);
    }

    @Test
    void dataBeforeStreamAcceptReachesOnlyThatStreamsUser() throws IOException {
        // protocol.md has the client send STREAM_ACCEPT before any STREAM_DATA but does not call the reverse order
        // an error; the server delivers such data, under the window, to the stream's own user and nobody else.
        TestServer server = guard.start(TestServer.hostileBuilder().window(DataSize.ofBytes(WINDOW)));
        RawControlClient client = guard.closeLater(RawControlClient.withTunnel(server.port(), server.token));
        User user = guard.closeLater(User.connect(client.opened.publicPort()));
        User other = guard.closeLater(User.connect(client.opened.publicPort()));
        StreamOpen first = client.expect(StreamOpen.class);
        StreamOpen second = client.expect(StreamOpen.class);

        client.send(new StreamData(first.streamId(), Unpooled.wrappedBuffer("early".getBytes(StandardCharsets.UTF_8))),
                new StreamAccept(first.streamId(), WINDOW), new StreamHalfClose(first.streamId()),
                new StreamAccept(second.streamId(), WINDOW), new StreamHalfClose(second.streamId()));

        assertThat(user.readUntilClosed(100)).asString(StandardCharsets.UTF_8).isEqualTo("early");
        assertThat(other.readUntilClosed(100)).isEmpty();
        client.send(new Ping(7));
        assertThat(client.expect(Pong.class).payload()).isEqualTo(7);
    }

    @Test
    void thousandPipelinedTunnelRequestsAreRefusedBeyondTheLimit() throws IOException {
        thousandTunnelRequests(true);
    }

    @Test
    void thousandTunnelRequestsOneAtATimeAreRefusedBeyondTheLimit() throws IOException {
        thousandTunnelRequests(false);
    }

    private void thousandTunnelRequests(boolean pipelined) throws IOException {
        int max = 20; // relay.limits.max-tunnels-per-client, as by default
        TestServer server = guard.start(TestServer.hostileBuilder()
                .limits(new RelayProperties.Limits(1000, max, 20000, 10000, 1000, 10_000, 64)));
        EchoTarget target = guard.closeLater(EchoTarget.start());
        RelayClient bystander = guard.closeLater(server.client());
        Tunnel bystanderTunnel = bystander.openTunnel("127.0.0.1", target.port());

        RawControlClient greedy = guard.closeLater(RawControlClient.connect(server.port()));
        greedy.handshake(server.token);
        Map<Integer, Frame> answers = new HashMap<>();
        if (pipelined) {
            List<Frame> requests = new ArrayList<>();
            for (int i = 1; i <= 1000; i++) {
                requests.add(new OpenTunnel(i, 0, "greedy:" + i));
            }
            greedy.send(requests.toArray(Frame[]::new));
            for (int i = 1; i <= 1000; i++) {
                record(answers, greedy.next());
            }
        } else {
            for (int i = 1; i <= 1000; i++) {
                greedy.send(new OpenTunnel(i, 0, "greedy:" + i));
                record(answers, greedy.next());
            }
        }

        long opened = answers.values().stream().filter(TunnelOpened.class::isInstance).count();
        assertThat(opened).as("tunnels opened for 1,000 requests").isEqualTo(max);
        assertThat(answers.values()).filteredOn(TunnelRefused.class::isInstance).hasSize(1000 - max)
                .allSatisfy(f -> assertThat(((TunnelRefused) f).reason())
                        .contains("relay.limits.max-tunnels-per-client=" + max));
        assertThat(server.registry.tunnelCount()).isEqualTo(max + 1);
        greedy.send(new Ping(42));
        assertThat(greedy.expect(Pong.class).payload()).as("the greedy client's connection is still up").isEqualTo(42);
        try (User user = User.connect(bystanderTunnel.publicPort())) {
            assertThat(user.roundTrip("unharmed\n")).isEqualTo("unharmed\n");
        }
        assertThat(bystander.openTunnel("127.0.0.1", target.port()).isOpen()).isTrue();
    }

    private static void record(Map<Integer, Frame> answers, Frame answer) {
        if (answer instanceof TunnelOpened o) {
            answers.put(o.requestId(), o);
        } else if (answer instanceof TunnelRefused r) {
            answers.put(r.requestId(), r);
        } else {
            throw new AssertionError("expected an answer to OPEN_TUNNEL, got " + answer);
        }
    }

    @Test
    void thousandUnauthenticatedConnectionsAreHeldToTheHandshakeLimit() throws IOException {
        int pending = 64; // relay.limits.max-pending-handshakes, as by default
        TestServer server = guard.start(TestServer.hostileBuilder().handshakeTimeout(Duration.ofSeconds(20))
                .limits(new RelayProperties.Limits(1000, 20, 20000, 10000, 1000, 10_000, pending)));
        EchoTarget target = guard.closeLater(EchoTarget.start());
        RelayClient bystander = guard.closeLater(server.client());
        Tunnel tunnel = bystander.openTunnel("127.0.0.1", target.port());
        User user = guard.closeLater(User.connect(tunnel.publicPort()));

        List<Socket> strangers = new ArrayList<>();
        guard.closeLater(() -> {
            for (Socket s : strangers) {
                s.close();
            }
        });
        for (int i = 0; i < 1000; i++) {
            Socket s = new Socket();
            strangers.add(s);
            try {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            } catch (SocketException refusedWhileConnecting) {
                // the server's reset overtook the end of the connect: refused all the same
            }
        }
        Waits.await().untilAsserted(() -> assertThat(server.server.counters().handshakesRefused())
                .as("connections refused beyond the limit").isEqualTo(1000 - pending));

        // Meanwhile the client already connected works, mid-connection and for a new user.
        assertThat(user.roundTrip("during the flood\n")).isEqualTo("during the flood\n");
        try (User another = User.connect(tunnel.publicPort())) {
            assertThat(another.roundTrip("new user\n")).isEqualTo("new user\n");
        }
        // A new client is one more pending handshake: refused while the strangers hold every slot.
        assertThatThrownBy(server::client).isInstanceOf(RelayException.class);

        for (Socket s : strangers) {
            s.close();
        }
        // Slots free as soon as the strangers go, without waiting for the handshake timeout.
        RelayClient late = guard.closeLater(Waits.await().ignoreExceptions().until(server::client, c -> true));
        assertThat(late.openTunnel("127.0.0.1", target.port()).isOpen()).isTrue();
        assertThat(server.server.counters().handshakeTimeouts()).isZero();
    }
}
