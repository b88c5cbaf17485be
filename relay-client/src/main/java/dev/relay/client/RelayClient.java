package dev.relay.client;

import static java.util.Objects.requireNonNull;

import dev.relay.protocol.Frames;
import dev.relay.protocol.transport.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to a relay server that carries any number of tunnels. When the connection drops it reconnects with
 * exponential backoff and opens its tunnels again, asking for the same public ports, which the server keeps
 * reserved for a while. Thread safe; holds no static state.
 *
 * <pre>{@code
 * try (RelayClient client = RelayClient.builder().server("relay.example.com", 7835).token(token).connect()) {
 *     Tunnel tunnel = client.openTunnel("localhost", 3000);
 *     System.out.println(tunnel.publicAddress()); // tcp://relay.example.com:20417
 *     tunnel.closeFuture().join();
 * }
 * }</pre>
 */
public final class RelayClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RelayClient.class);

    private final Builder options;
    private final EventLoopGroup group;
    private final SslContext sslContext;
    private final RelayListener listener;
    private final String identity = UUID.randomUUID().toString();
    private final List<Tunnel> tunnels = new CopyOnWriteArrayList<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Backoff backoff;
    private volatile ClientConnection connection;
    private volatile boolean closing;

    private RelayClient(Builder options, EventLoopGroup group, SslContext sslContext) {
        this.options = options;
        this.group = group;
        this.sslContext = sslContext;
        this.listener = options.listener;
        this.backoff = new Backoff(options.initialBackoff, options.maxBackoff);
    }

    /** Options for a new client; {@link Builder#connect()} dials the server. */
    public static Builder builder() {
        return new Builder();
    }

    /** The session id the server gave the current connection. */
    public String sessionId() {
        return connection.sessionId();
    }

    /** Whether the client is connected now (false while it reconnects). */
    public boolean isConnected() {
        ClientConnection c = connection;
        return c != null && c.isActive();
    }

    /**
     * Completes with the reason once the client is closed for good: by {@link #close()}, by a refusal that another
     * attempt would repeat (token, version, an operator), or by a lost connection when reconnecting is off.
     */
    public CompletableFuture<String> closeFuture() {
        return closed;
    }

    /** The tunnels open now. */
    public List<Tunnel> tunnels() {
        return List.copyOf(tunnels);
    }

    /** Opens a tunnel to {@code localHost:localPort} on any free public port; blocks until the server answers. */
    public Tunnel openTunnel(String localHost, int localPort) {
        return openTunnel(TunnelOptions.to(localHost, localPort));
    }

    /** Opens a tunnel to {@code localHost:localPort} on public port {@code publicPort} (0 for any). */
    public Tunnel openTunnel(String localHost, int localPort, int publicPort) {
        return openTunnel(TunnelOptions.to(localHost, localPort).publicPort(publicPort));
    }

    /**
     * Opens a tunnel; blocks until the server answers.
     *
     * @throws RelayException if the server refuses (port taken, outside the range, ...) or the connection is lost
     */
    public Tunnel openTunnel(TunnelOptions tunnel) {
        try {
            return openTunnelAsync(tunnel).get(options.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RelayException("interrupted while opening a tunnel", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RelayException r ? r : new RelayException(e.getCause().getMessage(), e);
        } catch (TimeoutException e) {
            throw new RelayException("the server did not answer within " + options.requestTimeout, e);
        }
    }

    /** Opens a tunnel without blocking; the future fails with a {@link RelayException} if refused. */
    public CompletableFuture<Tunnel> openTunnelAsync(TunnelOptions options) {
        requireNonNull(options, "options");
        ClientConnection c = connection;
        if (closing || c == null || !c.isActive()) {
            return CompletableFuture.failedFuture(new RelayException("not connected to the relay server"));
        }
        Tunnel tunnel = new Tunnel(this, options);
        return c.open(tunnel, options.publicPort()).thenApply(opened -> {
            tunnels.add(tunnel);
            listener.tunnelOpened(tunnel);
            return tunnel;
        });
    }

    /** Closes every tunnel and the connection, and releases the client's threads. Idempotent. */
    @Override
    public void close() {
        closing = true;
        ClientConnection c = connection;
        if (c != null) {
            c.close().awaitUninterruptibly(options.requestTimeout.toMillis());
        }
        closeForGood("closed by the client");
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- package-private: called by the connection

    String identity() {
        return identity;
    }

    void closeTunnel(Tunnel tunnel) {
        if (!tunnels.remove(tunnel)) {
            return;
        }
        ClientConnection c = connection;
        if (c != null) {
            c.closeTunnel(tunnel);
        }
        if (tunnel.markClosed("closed by the client")) {
            listener.tunnelClosed(tunnel, "closed by the client");
        }
    }

    void tunnelClosed(Tunnel tunnel, String reason) {
        tunnels.remove(tunnel);
        if (tunnel.markClosed(reason)) {
            listener.tunnelClosed(tunnel, reason);
        }
    }

    void connectionOpened(ConnectionEvent event) {
        listener.connectionOpened(event);
    }

    void connectionClosed(ConnectionEvent event) {
        listener.connectionClosed(event);
    }

    /** The connection {@code lost} closed: reconnect, unless the client is closing or the server said not to. */
    void connectionLost(ClientConnection lost, String reason) {
        if (lost != connection || closing) {
            return;
        }
        if (lost.isFatal() || !options.reconnect) {
            closeForGood(reason);
            return;
        }
        scheduleReconnect(reason);
    }

    private void scheduleReconnect(String reason) {
        Duration delay = backoff.next();
        log.info("disconnected ({}); reconnecting in {} ms", reason, delay.toMillis());
        listener.disconnected(reason, delay);
        try {
            group.schedule(this::reconnect, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            closeForGood(reason); // the client is being shut down
        }
    }

    private void reconnect() {
        if (closing) {
            return;
        }
        ClientConnection.dial(this, options, group, sslContext).whenComplete((c, error) -> {
            if (error != null) {
                RelayException e = error instanceof RelayException r ? r : new RelayException(error.getMessage());
                if (closing) {
                    return;
                }
                if (e instanceof RefusedException refused && refused.fatal()) {
                    closeForGood(e.getMessage());
                    return;
                }
                scheduleReconnect(e.getMessage());
                return;
            }
            if (closing) {
                c.close();
                return;
            }
            backoff.reset();
            connection = c;
            log.info("reconnected to {}:{}", options.host, options.port);
            listener.reconnected();
            for (Tunnel t : tunnels) {
                reopen(c, t);
            }
            if (!c.isActive()) {
                connectionLost(c, "connection lost");
            }
        });
    }

    /** Opens {@code t} again on its last public port; if that is gone and any port will do, on a new one. */
    private void reopen(ClientConnection c, Tunnel t) {
        c.open(t, t.publicPort()).whenComplete((opened, error) -> {
            if (error == null) {
                listener.tunnelOpened(t);
                return;
            }
            if (t.options().publicPort() == 0 && c.isActive()) {
                c.open(t, 0).whenComplete((again, error2) -> {
                    if (error2 == null) {
                        listener.tunnelOpened(t);
                    } else if (c.isActive()) {
                        tunnelClosed(t, error2.getMessage());
                    }
                });
            } else if (c.isActive()) {
                tunnelClosed(t, error.getMessage());
            }
        });
    }

    private void closeForGood(String reason) {
        closing = true;
        for (Tunnel t : tunnels) {
            tunnelClosed(t, reason);
        }
        closed.complete(reason);
    }

    /** Options of a {@link RelayClient}. */
    public static final class Builder {
        String host = "localhost";
        int port = 7835;
        String token = "";
        Duration connectTimeout = Duration.ofSeconds(10);
        Duration requestTimeout = Duration.ofSeconds(30);
        Duration heartbeatInterval = Duration.ofSeconds(10);
        Duration heartbeatTimeout = Duration.ofSeconds(30);
        Duration initialBackoff = Duration.ofMillis(250);
        Duration maxBackoff = Duration.ofSeconds(30);
        boolean reconnect = true;
        int streamWindow = Frames.DEFAULT_WINDOW;
        int maxStreamWindow = 16 * 1024 * 1024;
        int maxFrameLength = Frames.DEFAULT_MAX_FRAME_LENGTH;
        RelayListener listener = new RelayListener() { };
        private boolean tls;
        private Path trustedCertificates;

        private Builder() {
        }

        /** The relay server's control address (default {@code localhost:7835}). */
        public Builder server(String host, int port) {
            this.host = requireNonNull(host, "host");
            if (port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
            }
            this.port = port;
            return this;
        }

        /** The token the server expects (default none). */
        public Builder token(String token) {
            this.token = requireNonNull(token, "token");
            return this;
        }

        /**
         * Speaks TLS on the control connection and verifies the server's certificate and host name against the
         * JVM's trusted authorities, or against {@link #trustedCertificates(Path)} when given.
         */
        public Builder tls(boolean tls) {
            this.tls = tls;
            return this;
        }

        /** Trusts the certificates in this PEM file (e.g. a private CA's) instead of the JVM's; implies TLS. */
        public Builder trustedCertificates(Path pemFile) {
            this.trustedCertificates = requireNonNull(pemFile, "pemFile");
            this.tls = true;
            return this;
        }

        /** Hears tunnel, connection and reconnection events. */
        public Builder listener(RelayListener listener) {
            this.listener = requireNonNull(listener, "listener");
            return this;
        }

        /** Whether to reconnect when the connection drops (default true). */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /** The first wait before reconnecting and the longest (default 250ms and 30s); jittered by 20%. */
        public Builder reconnectBackoff(Duration initial, Duration max) {
            positive(initial, "initial");
            positive(max, "max");
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long {@link RelayClient#openTunnel} and the handshake wait for the server (default 30s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Sends a ping after {@code interval} without writing; takes the server for dead after {@code timeout}
         * without reading (default 10s and 30s).
         */
        public Builder heartbeat(Duration interval, Duration timeout) {
            positive(interval, "interval");
            positive(timeout, "timeout");
            if (timeout.compareTo(interval) <= 0) {
                throw new IllegalArgumentException("heartbeat timeout: " + timeout + " (expected: > interval "
                        + interval + ")");
            }
            this.heartbeatInterval = interval;
            this.heartbeatTimeout = timeout;
            return this;
        }

        /** Bytes the server may send on one stream before this client returns credit (default 4 MiB). */
        public Builder streamWindow(int bytes) {
            if (bytes < Frames.EARLY_DATA_WINDOW) {
                throw new IllegalArgumentException("streamWindow: " + bytes + " (expected: >= "
                        + Frames.EARLY_DATA_WINDOW + ", the server's early data)");
            }
            this.streamWindow = bytes;
            return this;
        }

        /**
         * How far a stream's window may grow when the path (its bandwidth times its round trip), not the reader,
         * limits the stream (default 16 MiB); the window starts at {@link #streamWindow(int)}.
         */
        public Builder maxStreamWindow(int bytes) {
            if (bytes < Frames.EARLY_DATA_WINDOW) {
                throw new IllegalArgumentException("maxStreamWindow: " + bytes + " (expected: >= "
                        + Frames.EARLY_DATA_WINDOW + ")");
            }
            this.maxStreamWindow = bytes;
            return this;
        }

        /**
         * Connects and completes the handshake.
         *
         * @throws RelayException if the server cannot be reached or refuses the client
         */
        public RelayClient connect() {
            SslContext sslContext = sslContext();
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("relay-client", true),
                    Transports.current().ioHandlerFactory());
            RelayClient client = new RelayClient(this, group, sslContext);
            try {
                client.connection = ClientConnection.dial(client, this, group, sslContext)
                        .get(connectTimeout.plus(requestTimeout).toMillis(), TimeUnit.MILLISECONDS);
                return client;
            } catch (ExecutionException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e.getCause() instanceof RelayException r ? r : new RelayException(e.getCause().getMessage());
            } catch (TimeoutException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw new RelayException("the relay server at " + host + ":" + port + " did not answer the handshake"
                        + " within " + requestTimeout);
            } catch (InterruptedException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                Thread.currentThread().interrupt();
                throw new RelayException("interrupted while connecting", e);
            }
        }

        private SslContext sslContext() {
            if (!tls) {
                return null;
            }
            try {
                SslContextBuilder builder = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
                if (trustedCertificates != null) {
                    builder.trustManager(trustedCertificates.toFile());
                }
                return builder.build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new RelayException("cannot use the trusted certificates " + trustedCertificates + ": "
                        + e.getMessage(), e);
            }
        }

        private static Duration positive(Duration d, String name) {
            requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
