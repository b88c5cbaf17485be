package dev.relay.client;

import java.util.concurrent.CompletableFuture;

/**
 * An open tunnel: users who connect to {@link #publicAddress()} reach the local target on this side. The handle
 * outlives reconnections: after one, the tunnel is opened again, on the same public port when the server can give it
 * back, and {@link #publicAddress()} tells where it is now. Thread safe.
 */
public final class Tunnel implements AutoCloseable {
    private final RelayClient client;
    private final TunnelOptions options;
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private volatile int id;
    private volatile int publicPort;
    private volatile String publicAddress;

    Tunnel(RelayClient client, TunnelOptions options) {
        this.client = client;
        this.options = options;
    }

    /** The server's id for this tunnel on the current connection. */
    public int id() {
        return id;
    }

    /** The public address users connect to, {@code tcp://host:port}. */
    public String publicAddress() {
        return publicAddress;
    }

    /** The public port on the relay server. */
    public int publicPort() {
        return publicPort;
    }

    /** What this tunnel was opened with. */
    public TunnelOptions options() {
        return options;
    }

    /** The host this client dials for each user connection. */
    public String localHost() {
        return options.localHost();
    }

    /** The port this client dials for each user connection. */
    public int localPort() {
        return options.localPort();
    }

    /** Whether the tunnel is still wanted: true until it is closed for good (also while reconnecting). */
    public boolean isOpen() {
        return !closed.isDone();
    }

    /** Completes with the reason once the tunnel is closed for good, by either side. */
    public CompletableFuture<String> closeFuture() {
        return closed;
    }

    /** Closes the tunnel: the server releases the public port and disconnects its users. Idempotent. */
    @Override
    public void close() {
        client.closeTunnel(this);
    }

    void bound(int id, int publicPort, String publicAddress) {
        this.id = id;
        this.publicPort = publicPort;
        this.publicAddress = publicAddress;
    }

    boolean markClosed(String reason) {
        return closed.complete(reason);
    }

    @Override
    public String toString() {
        return publicAddress + " -> " + options.target();
    }
}
