package dev.relay.server.hostile;

import dev.relay.server.e2e.TestServer;
import dev.relay.server.e2e.RawControlClient;
import dev.relay.server.e2e.EchoTarget;
import dev.relay.server.e2e.Waits;
import dev.relay.server.e2e.User;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.Tunnel;
import dev.relay.protocol.CloseTunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Hello;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.Ping;
import dev.relay.protocol.Pong;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamOpen;
import dev.relay.protocol.StreamReset;
import dev.relay.protocol.WindowUpdate;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * A client is confined to its own tunnels and streams, whatever ids it guesses; a wrong token opens nothing, however
 * fast the requests follow it; and no token ever reaches the logs.
 */
class IsolationAndAuthTest {
    @RegisterExtension
    final ScenarioGuard guard = new ScenarioGuard();

    @Test
    void aClientCannotTouchAnotherClientsTunnelsOrStreamsByGuessingIds() throws IOException {
        TestServer server = guard.start(TestServer.hostileBuilder());
        EchoTarget target = guard.closeLater(EchoTarget.start());
        // The victim: a real client with a tunnel and two users mid-conversation, on streams 1 and 2.
        RelayClient victim = guard.closeLater(server.client());
        Tunnel victimTunnel = victim.openTunnel("127.0.0.1", target.port());
        User alice = guard.closeLater(User.connect(victimTunnel.publicPort()));
        User bob = guard.closeLater(User.connect(victimTunnel.publicPort()));
        assertThat(alice.roundTrip("alice 1\n")).isEqualTo("alice 1\n");
        assertThat(bob.roundTrip("bob 1\n")).isEqualTo("bob 1\n");
        int victimTunnelId = victimTunnel.id();

        // The attacker: its own tunnel with one live stream (1, the same id as alice's) and one ended (2, bob's).
        RawControlClient attacker = guard.closeLater(RawControlClient.withTunnel(server.port(), server.token));
        User own = guard.closeLater(User.connect(attacker.opened.publicPort()));
        StreamOpen ownOpen = attacker.expect(StreamOpen.class);
        attacker.send(new StreamAccept(ownOpen.streamId(), 1 << 20));
        User ended = guard.closeLater(User.connect(attacker.opened.publicPort()));
        StreamOpen endedOpen = attacker.expect(StreamOpen.class);
        attacker.send(new StreamReset(endedOpen.streamId(), "done with it"));
        assertThat(ended.awaitDisconnected()).isTrue();
        assertThat(List.of(ownOpen.streamId(), endedOpen.streamId())).containsExactly(1, 2);

        // Ids of the victim's tunnel and streams, in every frame a client may send about them.
        attacker.send(new CloseTunnel(victimTunnelId, "mine now"),
                new StreamData(2, Unpooled.wrappedBuffer("to bob".getBytes(StandardCharsets.UTF_8))),
                new WindowUpdate(2, 1_000_000), new StreamReset(2, "bye bob"),
                new WindowUpdate(1, 1_000), new StreamData(1, Unpooled.wrappedBuffer(
                        "to whoever is stream 1".getBytes(StandardCharsets.UTF_8))));
        attacker.send(new Ping(1));
        assertThat(attacker.expect(Pong.class).payload()).as("the attacker is still connected").isEqualTo(1);
        // Stream 1 of the attacker is the attacker's own user: that is where its data went.
        assertThat(own.read("to whoever is stream 1".length())).isEqualTo("to whoever is stream 1");
        attacker.send(new StreamReset(1, "reset my own"));
        assertThat(own.awaitDisconnected()).isTrue();

        // A stream id the attacker never had is a protocol error for the attacker alone.
        attacker.send(new StreamReset(3, "guess"));
        assertThat(attacker.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                g -> assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));

        assertThat(victimTunnel.isOpen()).isTrue();
        assertThat(server.registry.tunnel(victimTunnelId)).isPresent();
        assertThat(alice.roundTrip("alice 2\n")).isEqualTo("alice 2\n");
        assertThat(bob.roundTrip("bob 2\n")).isEqualTo("bob 2\n");
        Waits.await().until(() -> server.registry.clientCount() == 1);
        assertThat(server.registry.connections()).hasSize(2).allMatch(c -> c.tunnelId() == victimTunnelId);
    }

    @Test
    void everyStreamFrameWithAnotherClientsIdIsRefusedToAClientWithoutStreams() throws IOException {
        TestServer server = guard.start(TestServer.hostileBuilder());
        EchoTarget target = guard.closeLater(EchoTarget.start());
        RelayClient victim = guard.closeLater(server.client());
        Tunnel victimTunnel = victim.openTunnel("127.0.0.1", target.port());
        User alice = guard.closeLater(User.connect(victimTunnel.publicPort()));
        assertThat(alice.roundTrip("hi\n")).isEqualTo("hi\n");

        List<IntFunction<Frame>> guesses = List.of(
                id -> new StreamData(id, Unpooled.wrappedBuffer(new byte[] {1, 2, 3})),
                id -> new WindowUpdate(id, 1 << 20),
                id -> new StreamReset(id, "guess"),
                id -> new StreamAccept(id, 1 << 20));
        for (IntFunction<Frame> guess : guesses) {
            try (RawControlClient attacker = RawControlClient.withTunnel(server.port(), server.token)) {
                attacker.send(guess.apply(1));
                assertThat(attacker.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                        g -> assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
            }
            assertThat(alice.roundTrip("still mine\n")).isEqualTo("still mine\n");
        }
        Waits.await().until(() -> server.registry.clientCount() == 1 && server.registry.tunnelCount() == 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "wrong", "HOSTILE-TEST-TOKEN", "hostile-test-toke", "hostile-test-token ",
            "hostile-test-token\u0000", " hostile-test-token"})
    void aWrongTokenNeverOpensATunnelEvenWithRequestsPipelinedBehindIt(String token) throws IOException {
        TestServer server = guard.start(TestServer.hostileBuilder());
        try (RawControlClient intruder = RawControlClient.connect(server.port())) {
            List<Frame> burst = new ArrayList<>();
            burst.add(RawControlClient.hello(token));
            for (int i = 1; i <= 50; i++) {
                burst.add(new OpenTunnel(i, 0, "intruder:" + i));
            }
            burst.add(new Ping(5));
            intruder.send(burst.toArray(Frame[]::new));

            List<Frame> heard = new ArrayList<>();
            for (Frame f = intruder.next(); f != null; f = intruder.next()) {
                heard.add(f);
            }
            // Pings are answered before the handshake (the heartbeat handler sits in front of it); nothing else is.
            assertThat(heard).as("all the intruder heard but pongs").filteredOn(f -> !(f instanceof Pong))
                    .hasSize(1).first()
                    .isInstanceOfSatisfying(GoAway.class,
                            g -> assertThat(g.code()).isEqualTo(ErrorCode.AUTHENTICATION_FAILED));
        }
        assertThat(server.registry.tunnelsOpened()).isZero();
        assertThat(server.registry.clientCount()).isZero();
        assertThat(server.server.counters().authenticationFailures()).isEqualTo(1);
    }

    @Test
    void tokensNeverAppearInLogs() throws IOException {
        String token = "tok-" + UUID.randomUUID();
        String[] wrongTokens = {"wrong-" + UUID.randomUUID(), "guess-" + UUID.randomUUID()};
        ListAppender<ILoggingEvent> all = new ListAppender<>();
        try (LogCapture capture = LogCapture.everything(all)) {
            TestServer server = guard.start(TestServer.hostileBuilder().token(token));
            try (EchoTarget target = EchoTarget.start(); RelayClient client = server.client()) {
                Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
                try (User user = User.connect(tunnel.publicPort())) {
                    assertThat(user.roundTrip("ok\n")).isEqualTo("ok\n");
                }
            }
            assertThatThrownBy(() -> RelayClient.builder().server("127.0.0.1", server.port()).token(wrongTokens[0])
                    .reconnect(false).connect()).isInstanceOf(RelayException.class);
            try (RawControlClient raw = RawControlClient.connect(server.port())) {
                raw.send(new Hello(Frames.VERSION, wrongTokens[1], Frames.DEFAULT_MAX_FRAME_LENGTH, "raw-agent",
                        "id"));
                assertThat(raw.lastFrameBeforeClose()).isInstanceOf(GoAway.class);
            }
            Waits.await().until(() -> server.registry.clientCount() == 0);
        }
        // The capture saw the handshakes, successful and refused: it is not empty by accident.
        assertThat(all.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("invalid token"));
        assertThat(all.list).anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("connected"));
        assertThat(mentioning(all.list, List.of(token, wrongTokens[0], wrongTokens[1])))
                .as("log events, at any level, that contain a token").isEmpty();
    }

    /** The events (logger and level) whose text holds any of {@code secrets}. */
    static Set<String> mentioning(List<ILoggingEvent> events, List<String> secrets) {
        Set<String> found = new TreeSet<>();
        for (ILoggingEvent e : events) {
            String text = render(e);
            if (secrets.stream().anyMatch(text::contains)) {
                found.add(e.getLoggerName() + " [" + e.getLevel() + "]");
            }
        }
        return found;
    }

    /** Everything a log event carries that an appender might write. */
    static String render(ILoggingEvent e) {
        StringBuilder s = new StringBuilder(e.getLoggerName()).append(' ').append(e.getFormattedMessage());
        if (e.getArgumentArray() != null) {
            for (Object a : e.getArgumentArray()) {
                s.append(' ').append(a);
            }
        }
        if (e.getKeyValuePairs() != null) {
            e.getKeyValuePairs().forEach(kv -> s.append(' ').append(kv.key).append('=').append(kv.value));
        }
        for (Map.Entry<String, String> m : e.getMDCPropertyMap().entrySet()) {
            s.append(' ').append(m.getKey()).append('=').append(m.getValue());
        }
        for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
            s.append(' ').append(t.getClassName()).append(": ").append(t.getMessage());
        }
        return s.toString();
    }

    /**
     * Sends every log event of every logger, at every level, to one appender (and only there, so the build log is
     * spared) until closed; then puts the logging configuration back as it was.
     */
    static final class LogCapture implements AutoCloseable {
        private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        private final Map<Logger, Level> levels = new HashMap<>();
        private final Map<Logger, Boolean> additivity = new HashMap<>();
        private final List<Appender<ILoggingEvent>> detached = new ArrayList<>();
        private final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        private final Appender<ILoggingEvent> appender;

        private LogCapture(Appender<ILoggingEvent> appender) {
            this.appender = appender;
            for (Logger l : context.getLoggerList()) {
                levels.put(l, l.getLevel());
                additivity.put(l, l.isAdditive());
                l.setLevel(l == root ? Level.ALL : null);
                l.setAdditive(true);
            }
            for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
                detached.add(it.next());
            }
            detached.forEach(root::detachAppender);
            appender.start();
            root.addAppender(appender);
        }

        static LogCapture everything(Appender<ILoggingEvent> appender) {
            return new LogCapture(appender);
        }

        @Override
        public void close() {
            root.detachAppender(appender);
            detached.forEach(root::addAppender);
            levels.forEach(Logger::setLevel);
            additivity.forEach(Logger::setAdditive);
        }
    }
}
