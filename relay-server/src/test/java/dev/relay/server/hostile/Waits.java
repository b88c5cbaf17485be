package dev.relay.server.hostile;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Awaitility set up for loopback events: checks at once, then every few milliseconds, up to {@link User#WAIT}. */
final class Waits {
    private Waits() {
    }

    static ConditionFactory await() {
        return await(User.WAIT);
    }

    static ConditionFactory await(Duration atMost) {
        return Awaitility.await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5));
    }
}
