package dev.relay.client;

import java.time.Duration;

/**
 * Hears what happens to a {@link RelayClient}: tunnels opening and closing, the connection to the server dropping
 * and coming back, and user connections. Called on the client's I/O thread: return quickly. Every method has an
 * empty default.
 */
public interface RelayListener {
    /** A tunnel is open at {@link Tunnel#publicAddress()}, first or again after a reconnection. */
    default void tunnelOpened(Tunnel tunnel) {
    }

    /** A tunnel is closed for good, for the reason given. */
    default void tunnelClosed(Tunnel tunnel, String reason) {
    }

    /** The connection to the server was lost; the client tries again after {@code retryIn}. */
    default void disconnected(String reason, Duration retryIn) {
    }

    /** The client is connected again and is reopening its tunnels. */
    default void reconnected() {
    }

    /** A user connected to a tunnel. */
    default void connectionOpened(ConnectionEvent event) {
    }

    /** A user connection ended; the event has its byte counts and duration. */
    default void connectionClosed(ConnectionEvent event) {
    }
}
