package dev.relay.protocol.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Ping;
import dev.relay.protocol.Pong;
import dev.relay.protocol.WindowUpdate;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link HeartbeatHandler} behind a real {@link IdleStateHandler}, on the embedded event loop's virtual clock. */
class HeartbeatHandlerTest {
    private static final long PING_SECONDS = 10;
    private static final long TIMEOUT_SECONDS = 25;

    private final EmbeddedChannel channel = EmbeddedChannel.builder()
            .handlers(new IdleStateHandler(TIMEOUT_SECONDS, PING_SECONDS, 0, TimeUnit.SECONDS),
                    new HeartbeatHandler())
            .build();

    private Ping firstPing;

    @BeforeEach
    void takeTheFirstPing() {
        firstPing = channel.readOutbound();
    }

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    @Test
    void pingsOnceWhenActiveAndLearnsTheRoundTripFromThePong() {
        HeartbeatHandler heartbeat = channel.pipeline().get(HeartbeatHandler.class);
        assertThat(firstPing).as("a ping as soon as the connection is up").isNotNull();
        assertThat(heartbeat.rttNanos()).as("unknown before the pong").isZero();

        channel.writeInbound(new Pong(firstPing.payload()));
        long rtt = heartbeat.rttNanos();
        assertThat(rtt).isPositive();

        // A later, slower sample does not raise it: queueing only ever adds delay.
        channel.writeInbound(new Pong(System.nanoTime() - 10 * rtt - 1_000_000));
        assertThat(heartbeat.rttNanos()).isEqualTo(rtt);
    }

    @Test
    void answersPingWithPongOfTheSamePayload() {
        channel.writeInbound(new Ping(0x1234_5678_9ABCL));
        assertThat((Object) channel.readOutbound()).isEqualTo(new Pong(0x1234_5678_9ABCL));
        assertThat((Object) channel.readInbound()).as("the ping is consumed").isNull();
    }

    @Test
    void swallowsPongAndPassesEverythingElseOn() {
        channel.writeInbound(new Pong(1), new WindowUpdate(3, 10));
        assertThat((Object) channel.readInbound()).isEqualTo(new WindowUpdate(3, 10));
        assertThat((Object) channel.readInbound()).isNull();
        assertThat((Object) channel.readOutbound()).isNull();
    }

    @Test
    void pingsWhenNothingWasWrittenForTheInterval() {
        channel.advanceTimeBy(PING_SECONDS - 1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat((Object) channel.readOutbound()).isNull();

        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat((Object) channel.readOutbound()).isInstanceOf(Ping.class);
        assertThat(channel.isOpen()).isTrue();
    }

    @Test
    void closesWithGoAwayWhenNothingWasReadForTheTimeout() {
        // Pings go out every interval but nothing comes back.
        for (long t = 1; t < TIMEOUT_SECONDS; t++) {
            channel.advanceTimeBy(1, TimeUnit.SECONDS);
            channel.runScheduledPendingTasks();
        }
        assertThat(channel.isOpen()).isTrue();
        channel.advanceTimeBy(1, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();

        List<Object> sent = new ArrayList<>();
        for (Object m; (m = channel.readOutbound()) != null; ) {
            sent.add(m);
        }
        assertThat(sent).hasSize(3);
        assertThat(sent.subList(0, 2)).allSatisfy(m -> assertThat(m).isInstanceOf(Ping.class));
        assertThat(sent.get(2)).isEqualTo(new GoAway(ErrorCode.HEARTBEAT_TIMEOUT, "heartbeat timeout"));
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void anyInboundFrameKeepsTheConnectionAlive() {
        for (int i = 0; i < 10; i++) {
            channel.advanceTimeBy(TIMEOUT_SECONDS - 1, TimeUnit.SECONDS);
            channel.writeInbound(new Pong(i));
            channel.runScheduledPendingTasks();
        }
        assertThat(channel.isOpen()).isTrue();
        for (Object m; (m = channel.readOutbound()) != null; ) {
            assertThat(m).isInstanceOf(Ping.class);
        }
    }
}
