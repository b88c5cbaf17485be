package dev.relay.client;

import java.util.concurrent.CompletableFuture;

/**
 * An open tunnel: users who connect to {@link #publicAddress()} reach {@code localHost:localPort} on this side.
 * Thread safe.
 */
public final class Tunnel implements AutoCloseable {
    private final RelayClient client;
    private final int id;
    private final int publicPort;
    private final String publicAddress;
    private final String localHost;
    private final int localPort;
    private final CompletableFuture<String> closed = new CompletableFuture<>();

    Tunnel(RelayClient client, int id, int publicPort, String publicAddress, String localHost, int localPort) {
        this.client = client;
        this.id = id;
        this.publicPort = publicPort;
        this.publicAddress = publicAddress;
        this.localHost = localHost;
        this.localPort = localPort;
    }

    /** The server's id for this tunnel. */
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

    /** The host this client dials for each user connection. */
    public String localHost() {
        return localHost;
    }

    /** The port this client dials for each user connection. */
    public int localPort() {
        return localPort;
    }

    public boolean isOpen() {
        return !closed.isDone();
    }

    /** Completes with the reason once the tunnel is closed, by either side or by the loss of the connection. */
    public CompletableFuture<String> closeFuture() {
        return closed;
    }

    /** Closes the tunnel: the server releases the public port and disconnects its users. Idempotent. */
    @Override
    public void close() {
        client.closeTunnel(this);
    }

    void closed(String reason) {
        closed.complete(reason);
    }

    @Override
    public String toString() {
        return publicAddress + " -> " + localHost + ":" + localPort;
    }
}
