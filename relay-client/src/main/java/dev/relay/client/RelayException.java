package dev.relay.client;

/** The relay refused or lost something: the message says what, fit to show to a user. */
public class RelayException extends RuntimeException {
    public RelayException(String message) {
        super(message);
    }

    public RelayException(String message, Throwable cause) {
        super(message, cause);
    }
}
