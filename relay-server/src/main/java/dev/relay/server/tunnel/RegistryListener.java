package dev.relay.server.tunnel;

import java.time.Duration;

/**
 * Hears the life of clients, tunnels and user connections, for the audit trail and metrics. Called on the event
 * loop of the client concerned: return quickly, never block.
 */
public interface RegistryListener {
    default void clientConnected(ClientSession.Info client) {
    }

    default void clientDisconnected(ClientSession.Info client, String reason, Duration duration) {
    }

    default void tunnelOpened(Tunnel.Info tunnel) {
    }

    default void tunnelClosed(Tunnel.Info tunnel, String reason) {
    }

    default void connectionClosed(UserConnection.Closed connection) {
    }

    default void connectionRefused(int tunnelId, String clientId, String remoteAddress, RefusalReason reason) {
    }
}
