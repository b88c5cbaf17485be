package dev.relay.client;

/** The server said no in the handshake; {@link #fatal()} when trying again would only be refused again. */
final class RefusedException extends RelayException {
    private final boolean fatal;

    RefusedException(String message, boolean fatal) {
        super(message);
        this.fatal = fatal;
    }

    boolean fatal() {
        return fatal;
    }
}
