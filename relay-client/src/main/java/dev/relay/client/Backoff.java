package dev.relay.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter: each failure doubles the wait up to a cap; a success starts over. */
final class Backoff {
    /** Jitter spreads reconnecting clients apart so that a restarted server is not hit all at once. */
    private static final double JITTER = 0.2;

    private final Duration initial;
    private final Duration max;
    private int failures;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
    }

    Duration next() {
        long base = initial.toMillis() << Math.min(failures, 20);
        failures++;
        long capped = Math.min(base, max.toMillis());
        double jitter = 1 + ThreadLocalRandom.current().nextDouble(-JITTER, JITTER);
        return Duration.ofMillis(Math.max(1, (long) (capped * jitter)));
    }

    void reset() {
        failures = 0;
    }
}
