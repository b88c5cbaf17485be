package dev.relay.server.control;

import java.util.concurrent.atomic.AtomicLong;

/** Counts of what went wrong on control connections, for metrics. */
public final class ControlCounters {
    private final AtomicLong authenticationFailures = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong handshakeTimeouts = new AtomicLong();

    public long authenticationFailures() {
        return authenticationFailures.get();
    }

    public long protocolErrors() {
        return protocolErrors.get();
    }

    public long handshakeTimeouts() {
        return handshakeTimeouts.get();
    }

    void authenticationFailed() {
        authenticationFailures.incrementAndGet();
    }

    void protocolError() {
        protocolErrors.incrementAndGet();
    }

    void handshakeTimedOut() {
        handshakeTimeouts.incrementAndGet();
    }
}
