package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link ReceiveWindow} grows to the path's bandwidth-delay product, and only then. */
class WindowAutoTuneTest {
    private static final long RTT = 10_000_000; // 10 ms

    private final AtomicLong clock = new AtomicLong(1);

    /** An honest peer that sends all the credit it has, and a reader that writes a window out in {@code nanos}. */
    private int run(ReceiveWindow w, long nanosPerWindow, int rounds) {
        int credit = w.window();
        for (int r = 0; r < rounds; r++) {
            int sent = credit;
            credit = 0;
            w.received(sent);
            int chunks = 8;
            for (int i = 0; i < chunks; i++) {
                int n = sent / chunks + (i == chunks - 1 ? sent % chunks : 0);
                clock.addAndGet(nanosPerWindow / chunks);
                credit += w.written(n);
            }
            assertThat(w.outstanding()).isZero();
        }
        return credit;
    }

    @Test
    void windowUsedUpWithinARoundTripDoublesUpToTheMaximum() {
        ReceiveWindow w = new ReceiveWindow(64 * 1024, 1024 * 1024, () -> RTT, clock::get);
        run(w, RTT / 2, 10);
        assertThat(w.window()).isEqualTo(1024 * 1024);
    }

    @Test
    void grownCreditIsUsableAndNoMore() {
        ReceiveWindow w = new ReceiveWindow(1024, 4096, () -> RTT, clock::get);
        int credit = run(w, RTT / 2, 3);
        assertThat(w.window()).isGreaterThan(1024);
        w.received(credit); // everything granted, including the growth, is accepted
        assertThatThrownBy(() -> w.received(1)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void slowReaderNeverGrowsTheWindow() {
        ReceiveWindow w = new ReceiveWindow(64 * 1024, 1024 * 1024, () -> RTT, clock::get);
        run(w, 5 * RTT, 20);
        assertThat(w.window()).isEqualTo(64 * 1024);
    }

    @Test
    void unknownRoundTripNeverGrowsTheWindow() {
        ReceiveWindow w = new ReceiveWindow(64 * 1024, 1024 * 1024, () -> 0, clock::get);
        run(w, 1, 20);
        assertThat(w.window()).isEqualTo(64 * 1024);
    }

    @Test
    void fixedWindowDoesNotGrow() {
        ReceiveWindow w = new ReceiveWindow(4096);
        run(w, 1, 20);
        assertThat(w.window()).isEqualTo(4096);
    }

    @Test
    void maximumBelowTheWindowIsRefused() {
        assertThatThrownBy(() -> new ReceiveWindow(4096, 1024, () -> RTT, clock::get))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxWindow");
    }
}
