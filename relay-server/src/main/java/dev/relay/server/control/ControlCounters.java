package dev.relay.server.control;

import java.util.concurrent.atomic.AtomicLong;

/** Counts of what went wrong on control connections, for metrics. */
public final class ControlCounters {
    private final AtomicLong authenticationFailures = new AtomicLong();
    private final AtomicLong protocolErrors = new AtomicLong();
    private final AtomicLong handshakeTimeouts = new AtomicLong();
    private final AtomicLong handshakesRefused = new AtomicLong();
    private final AtomicLong clientsRefused = new AtomicLong();

    /** Control connections closed at once: too many were in handshake already. */
    public long handshakesRefused() {
        return handshakesRefused.get();
    }

    /** Clients refused: the server had its maximum of clients. */
    public long clientsRefused() {
        return clientsRefused.get();
    }

    void handshakeRefused() {
        handshakesRefused.incrementAndGet();
    }

    void clientRefused() {
        clientsRefused.incrementAndGet();
    }

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
