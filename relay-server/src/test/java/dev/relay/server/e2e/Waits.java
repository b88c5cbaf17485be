package dev.relay.server.e2e;

import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Awaitility set up for loopback events: checks at once, then every few milliseconds, up to {@link User#WAIT}. */
public final class Waits {
    private Waits() {
    }

    public static ConditionFactory await() {
        return await(User.WAIT);
    }

    public static ConditionFactory await(Duration atMost) {
        return Awaitility.await().atMost(atMost).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2));
    }
}
