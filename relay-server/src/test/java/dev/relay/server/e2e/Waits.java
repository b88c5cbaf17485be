package dev.relay.server.e2e;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Awaitility set up for loopback events: checks at once, then every few milliseconds, up to {@link User#WAIT}. */
final class Waits {
    private Waits() {
    }

    static ConditionFactory await() {
        return Awaitility.await().atMost(User.WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
    }
}
