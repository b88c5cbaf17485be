package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link SendWindow} and {@link ReceiveWindow}: the two halves of one stream's credit. */
class WindowTest {

    // ---- SendWindow

    @Test
    void sendWindowConsumesAndGrants() {
        SendWindow w = new SendWindow(100);
        assertThat(w.available()).isEqualTo(100);
        w.consume(40);
        assertThat(w.available()).isEqualTo(60);
        w.consume(0);
        assertThat(w.available()).isEqualTo(60);
        w.consume(60);
        assertThat(w.available()).isZero();
        w.grant(25);
        assertThat(w.available()).isEqualTo(25);
    }

    @Test
    void sendWindowRefusesToOverspend() {
        SendWindow w = new SendWindow(10);
        assertThatThrownBy(() -> w.consume(11))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("consume: 11 (expected: 0-10)");
        assertThatThrownBy(() -> w.consume(-1)).isInstanceOf(IllegalStateException.class);
        assertThat(w.available()).isEqualTo(10);
    }

    @Test
    void sendWindowMayReachButNotPassIntegerMaxValue() {
        SendWindow w = new SendWindow(Frames.MAX_WINDOW - 10);
        w.grant(10);
        assertThat(w.available()).isEqualTo(Integer.MAX_VALUE);
        assertThatThrownBy(() -> w.grant(1))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("window overflow: 2147483647 + 1 (expected: <= 2147483647)")
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        assertThatThrownBy(() -> w.grant(Integer.MAX_VALUE)).isInstanceOf(ProtocolException.class);
        // a refused grant changes nothing
        assertThat(w.available()).isEqualTo(Integer.MAX_VALUE);
        w.consume(Integer.MAX_VALUE);
        w.grant(Integer.MAX_VALUE);
        assertThat(w.available()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void sendWindowRefusesIncrementsThatAreNotPositive() {
        SendWindow w = new SendWindow(1);
        assertThatThrownBy(() -> w.grant(0))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("window increment: 0 (expected: > 0)");
        assertThatThrownBy(() -> w.grant(-1)).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> w.grant(Integer.MIN_VALUE)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void windowsMustStartPositive() {
        assertThatThrownBy(() -> new SendWindow(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("window: 0 (expected: > 0)");
        assertThatThrownBy(() -> new ReceiveWindow(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- ReceiveWindow

    @Test
    void receivingUpToTheWindowIsAllowedAndBeyondIsAProtocolError() {
        ReceiveWindow w = new ReceiveWindow(100);
        w.received(60);
        w.received(40);
        assertThat(w.outstanding()).isEqualTo(100);
        assertThatThrownBy(() -> w.received(1))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("flow-control window exceeded: 1 bytes with 0 of credit");
    }

    @Test
    void oneFrameLargerThanTheWholeWindowIsAProtocolError() {
        ReceiveWindow w = new ReceiveWindow(100);
        assertThatThrownBy(() -> w.received(101)).isInstanceOf(ProtocolException.class);
        assertThat(w.outstanding()).isZero();
    }

    @Test
    void creditIsReturnedInBatchesOfAQuarterWindow() {
        ReceiveWindow w = new ReceiveWindow(100);
        w.received(100);
        assertThat(w.written(10)).isZero();
        assertThat(w.written(10)).isZero();
        assertThat(w.written(4)).isZero();
        // 24 written, not returned: the peer still has no credit
        assertThat(w.outstanding()).isEqualTo(76);
        assertThatThrownBy(() -> w.received(1)).isInstanceOf(ProtocolException.class);
        // the 25th byte crosses the quarter: all 25 go back at once
        assertThat(w.written(1)).isEqualTo(25);
        w.received(25);
        assertThatThrownBy(() -> w.received(1)).isInstanceOf(ProtocolException.class);
        // one big write returns everything it covers
        assertThat(w.written(100)).isEqualTo(100);
        assertThat(w.outstanding()).isZero();
    }

    @Test
    void bulkTransferCostsFourUpdatesPerWindow() {
        int window = Frames.DEFAULT_WINDOW;
        // 16 KiB chunks divide a quarter window evenly: exactly one update per quarter
        assertThat(bulkTransfer(window, 16 * 1024, 16L * window))
                .hasSize(4 * 16)
                .allSatisfy(credit -> assertThat(credit).isEqualTo(window / 4));
    }

    @Test
    void bulkTransferInFullFramesReturnsAtLeastAQuarterPerUpdate() {
        int window = Frames.DEFAULT_WINDOW;
        int chunk = Frames.maxDataPayload(Frames.DEFAULT_MAX_FRAME_LENGTH);
        long total = 16L * window;
        List<Integer> updates = bulkTransfer(window, chunk, total);
        assertThat(updates).allSatisfy(credit -> assertThat(credit).isBetween(window / 4, window / 4 + chunk - 1));
        assertThat(updates.size()).isBetween((int) (total / (window / 4 + chunk)), (int) (total / (window / 4)));
    }

    /** Sends {@code total} bytes in {@code chunk}s, each written out at once; returns the updates the receiver sent. */
    private static List<Integer> bulkTransfer(int window, int chunk, long total) {
        SendWindow sender = new SendWindow(window);
        ReceiveWindow receiver = new ReceiveWindow(window);
        long sent = 0;
        List<Integer> updates = new ArrayList<>();
        while (sent < total) {
            int n = (int) Math.min(chunk, Math.min(sender.available(), total - sent));
            assertThat(n).as("the sender stalled at %s bytes", sent).isPositive();
            sender.consume(n);
            receiver.received(n);
            sent += n;
            int credit = receiver.written(n);
            if (credit > 0) {
                updates.add(credit);
                sender.grant(credit);
            }
        }
        return updates;
    }

    @Test
    void tinyWindowsReturnEveryByte() {
        ReceiveWindow w = new ReceiveWindow(3);
        w.received(3);
        assertThat(w.written(1)).isEqualTo(1);
        assertThat(w.written(2)).isEqualTo(2);
    }

    @Test
    void writingMoreThanWasReceivedIsABug() {
        ReceiveWindow w = new ReceiveWindow(100);
        w.received(10);
        assertThatThrownBy(() -> w.written(11)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> w.written(-1)).isInstanceOf(IllegalStateException.class);
    }

    /** Random sends, writes and updates in any order: an honest sender never trips the receiver. */
    @Test
    void honestSenderNeverExceedsTheReceiversWindow() {
        long seed = 0xC0FFEEL;
        Random random = new Random(seed);
        for (int round = 0; round < 200; round++) {
            int window = 1 + random.nextInt(random.nextBoolean() ? 64 : 1 << 20);
            SendWindow sender = new SendWindow(window);
            ReceiveWindow receiver = new ReceiveWindow(window);
            List<Integer> inFlightUpdates = new ArrayList<>();
            for (int step = 0; step < 500; step++) {
                switch (random.nextInt(3)) {
                    case 0 -> {
                        if (sender.available() > 0) {
                            int n = 1 + random.nextInt(sender.available());
                            sender.consume(n);
                            receiver.received(n);
                        }
                    }
                    case 1 -> {
                        if (receiver.outstanding() > 0) {
                            int credit = receiver.written(1 + random.nextInt(receiver.outstanding()));
                            if (credit > 0) {
                                inFlightUpdates.add(credit);
                            }
                        }
                    }
                    default -> {
                        if (!inFlightUpdates.isEmpty()) {
                            sender.grant(inFlightUpdates.remove(0));
                        }
                    }
                }
                long inFlightCredit = inFlightUpdates.stream().mapToLong(Integer::longValue).sum();
                assertThat(sender.available() + receiver.outstanding() + inFlightCredit)
                        .as("seed %s round %s step %s", seed, round, step)
                        .isLessThanOrEqualTo(window);
            }
        }
    }
}
