package dev.relay.client;

import static dev.relay.protocol.stream.PipelineNames.CONTROL;
import static dev.relay.protocol.stream.PipelineNames.FRAMER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_DECODER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_ENCODER;
import static dev.relay.protocol.stream.PipelineNames.HEARTBEAT;
import static dev.relay.protocol.stream.PipelineNames.IDLE;
import static dev.relay.protocol.stream.PipelineNames.TLS;
import static java.util.Objects.requireNonNull;

import dev.relay.protocol.CloseTunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.FrameDecoder;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.stream.HeartbeatHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A connection to a relay server that carries any number of tunnels. Thread safe; holds no static state.
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
    private final Builder options;
    private final EventLoopGroup group;
    private final Channel channel;
    private final ClientControlHandler handler;
    private final AtomicInteger requestIds = new AtomicInteger();
    private final Map<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();

    private RelayClient(Builder options, EventLoopGroup group, Channel channel, ClientControlHandler handler) {
        this.options = options;
        this.group = group;
        this.channel = channel;
        this.handler = handler;
    }

    /** Options for a new client; {@link Builder#connect()} dials the server. */
    public static Builder builder() {
        return new Builder();
    }

    /** The session id the server gave this connection. */
    public String sessionId() {
        return handler.welcome().sessionId();
    }

    public boolean isConnected() {
        return channel.isActive();
    }

    /** Completes with the reason once the connection to the server is closed, by either side. */
    public CompletableFuture<String> closeFuture() {
        return handler.closeFuture();
    }

    /** Opens a tunnel to {@code localHost:localPort} on any free public port; blocks until the server answers. */
    public Tunnel openTunnel(String localHost, int localPort) {
        return openTunnel(localHost, localPort, 0);
    }

    /**
     * Opens a tunnel to {@code localHost:localPort} on public port {@code requestedPort} (0 for any); blocks until
     * the server answers.
     *
     * @throws RelayException if the server refuses (port taken, outside the range, ...) or the connection is lost
     */
    public Tunnel openTunnel(String localHost, int localPort, int requestedPort) {
        try {
            return openTunnelAsync(localHost, localPort, requestedPort)
                    .get(options.requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
    public CompletableFuture<Tunnel> openTunnelAsync(String localHost, int localPort, int requestedPort) {
        requireNonNull(localHost, "localHost");
        if (localPort < 1 || localPort > 0xFFFF) {
            throw new IllegalArgumentException("localPort: " + localPort + " (expected: 1-65535)");
        }
        if (requestedPort < 0 || requestedPort > 0xFFFF) {
            throw new IllegalArgumentException("requestedPort: " + requestedPort + " (expected: 0-65535)");
        }
        int requestId = requestIds.incrementAndGet();
        CompletableFuture<Tunnel> result = handler.expect(requestId, opened -> {
            Tunnel t = new Tunnel(this, opened.tunnelId(), opened.publicPort(), opened.publicAddress(), localHost,
                    localPort);
            tunnels.put(t.id(), t);
            return t;
        }, localHost, localPort);
        channel.writeAndFlush(new OpenTunnel(requestId, requestedPort, localHost + ":" + localPort))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        handler.fail(requestId, new RelayException("connection to the server lost", f.cause()));
                    }
                });
        return result;
    }

    /** Closes every tunnel and the connection, and releases the client's threads. Idempotent. */
    @Override
    public void close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new GoAway(ErrorCode.NORMAL, "client closing"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        channel.closeFuture().awaitUninterruptibly(options.requestTimeout.toMillis());
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    // ---- package-private

    Tunnel tunnel(int id) {
        return tunnels.get(id);
    }

    void tunnelClosed(int id, String reason) {
        Tunnel t = tunnels.remove(id);
        if (t != null) {
            t.closed(reason);
        }
    }

    void connectionClosed(String reason) {
        for (Integer id : tunnels.keySet()) {
            tunnelClosed(id, reason);
        }
    }

    void closeTunnel(Tunnel tunnel) {
        if (tunnels.remove(tunnel.id()) == null) {
            return;
        }
        tunnel.closed("closed by the client");
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseTunnel(tunnel.id(), "closed by the client"));
        }
    }

    /** Options of a {@link RelayClient}. */
    public static final class Builder {
        private String host = "localhost";
        private int port = 7835;
        private String token = "";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration heartbeatTimeout = Duration.ofSeconds(30);
        private int streamWindow = Frames.DEFAULT_WINDOW;
        private int maxFrameLength = Frames.DEFAULT_MAX_FRAME_LENGTH;
        private boolean tls;
        private Path trustedCertificates;

        private Builder() {
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

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long {@link RelayClient#openTunnel} waits for the server's answer (default 30s). */
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

        /** Bytes the server may send on one stream before this client returns credit (default 1 MiB). */
        public Builder streamWindow(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("streamWindow: " + bytes + " (expected: >= 1024)");
            }
            this.streamWindow = bytes;
            return this;
        }

        /**
         * Connects and completes the handshake.
         *
         * @throws RelayException if the server cannot be reached or refuses the client
         */
        public RelayClient connect() {
            EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("relay-client"),
                    NioIoHandler.newFactory());
            ClientControlHandler handler = new ClientControlHandler(token, maxFrameLength, streamWindow);
            SslContext sslContext;
            try {
                sslContext = sslContext();
            } catch (RuntimeException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
            }
            Bootstrap bootstrap = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.SO_KEEPALIVE, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (sslContext != null) {
                                ch.pipeline().addLast(TLS, sslContext.newHandler(ch.alloc(), host, port));
                            }
                            ch.pipeline()
                                    .addLast(IDLE, new IdleStateHandler(heartbeatTimeout.toMillis(),
                                            heartbeatInterval.toMillis(), 0, TimeUnit.MILLISECONDS))
                                    .addLast(FRAMER, FrameEncoder.newFramer(maxFrameLength))
                                    .addLast(FRAME_DECODER, new FrameDecoder())
                                    .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                                    .addLast(HEARTBEAT, new HeartbeatHandler())
                                    .addLast(CONTROL, handler);
                        }
                    });
            try {
                ChannelFuture connect = bootstrap.connect(host, port).awaitUninterruptibly();
                if (!connect.isSuccess()) {
                    throw new RelayException("cannot reach the relay server at " + host + ":" + port + ": "
                            + connect.cause().getMessage(), connect.cause());
                }
                RelayClient client = new RelayClient(this, group, connect.channel(), handler);
                handler.client(client);
                handler.handshake().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
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
            } catch (RuntimeException e) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                throw e;
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
