package dev.relay.server.control;

import static java.util.Objects.requireNonNull;

import dev.relay.protocol.Frames;
import dev.relay.protocol.transport.Transports;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.tunnel.ClientSession;
import dev.relay.server.tunnel.PublicPortBinder;
import dev.relay.server.tunnel.TunnelRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-port acceptor, in plain Java: {@link #start()} binds and blocks until bound, {@link #stop()} closes
 * the listener, then every client (with a {@code GoAway}), then the event loops.
 */
public final class ControlServer {
    private static final Logger log = LoggerFactory.getLogger(ControlServer.class);
    private static final long DRAIN_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final RelayProperties properties;
    private final TunnelRegistry registry;
    private final PublicPortBinder binder;
    private final ClientAuthenticator authenticator;
    private final ControlCounters counters;
    private final SslContext sslContext;
    private final ChannelGroup controlChannels = new DefaultChannelGroup("relay-control", GlobalEventExecutor.INSTANCE);
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel listener;
    private volatile boolean running;
    private volatile int port = -1;

    public ControlServer(RelayProperties properties, TunnelRegistry registry) {
        this(properties, registry, new ControlCounters());
    }

    public ControlServer(RelayProperties properties, TunnelRegistry registry, ControlCounters counters) {
        this.properties = requireNonNull(properties, "properties");
        this.registry = requireNonNull(registry, "registry");
        this.counters = requireNonNull(counters, "counters");
        RelayProperties.Public p = properties.publicPorts();
        this.binder = new PublicPortBinder(p.host(), p.bindAddress(), p.range(), p.reservationGrace(),
                p.idleTimeout());
        this.authenticator = new ClientAuthenticator(properties.auth());
        this.sslContext = sslContext(properties.tls());
    }

    private static SslContext sslContext(RelayProperties.Tls tls) {
        if (!tls.enabled()) {
            return null;
        }
        try {
            return SslContextBuilder.forServer(tls.certificate().toFile(), tls.privateKey().toFile()).build();
        } catch (Exception e) {
            throw new IllegalArgumentException("relay.tls.certificate / relay.tls.private-key: cannot load "
                    + tls.certificate() + " and " + tls.privateKey() + " (expected: a PEM certificate chain and its"
                    + " PKCS#8 PEM private key): " + e.getMessage(), e);
        }
    }

    /**
     * Binds the control port.
     *
     * @throws IllegalStateException if the port cannot be bound
     */
    public synchronized void start() {
        if (running) {
            throw new IllegalStateException("control server already running on port " + port);
        }
        RelayProperties.Control c = properties.control();
        Transports transport = Transports.current();
        bossGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("relay-accept"),
                transport.ioHandlerFactory());
        workerGroup = new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("relay-io"),
                transport.ioHandlerFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, Frames.CONTROL_WATER_MARK)
                .childHandler(new ControlChannelInitializer(c, registry, binder, controlChannels,
                        authenticator, properties.auth().failureDelay(), counters, sslContext, properties.limits()));
        try {
            listener = bootstrap.bind(c.bindAddress(), c.port()).syncUninterruptibly().channel();
        } catch (Exception e) {
            shutdownGroups();
            throw new IllegalStateException("relay.control.port: cannot bind " + c.bindAddress() + ":" + c.port()
                    + " (" + e.getMessage() + ")", e);
        }
        port = ((InetSocketAddress) listener.localAddress()).getPort();
        running = true;
        log.info("relay control server listening on {}:{}{} ({} transport)", c.bindAddress(), port,
                sslContext == null ? "" : " with TLS", transport.name().toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Stops gracefully. Readiness goes down at once; the control port and every public port stop accepting; clients
     * are told the server is going away; open user connections may finish for up to the drain timeout; then every
     * client connection closes, and the event loops stop. Idempotent.
     */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        listener.close().syncUninterruptibly();
        List<ClientSession> sessions = List.copyOf(registry.sessions());
        sessions.forEach(ClientSession::shuttingDown);
        sessions.forEach(ClientSession::drain);
        Duration drain = properties.shutdown().drainTimeout();
        long deadline = System.nanoTime() + drain.toNanos();
        if (registry.connectionCount() > 0) {
            log.info("draining {} user connection(s) for up to {}", registry.connectionCount(), drain);
        }
        while (registry.connectionCount() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(DRAIN_POLL_NANOS);
        }
        if (registry.connectionCount() > 0) {
            log.info("drain timeout: closing {} user connection(s) still open", registry.connectionCount());
        }
        CompletableFuture<?>[] closed = sessions.stream().map(ClientSession::closeFuture)
                .toArray(CompletableFuture[]::new);
        controlChannels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        try {
            CompletableFuture.allOf(closed).get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("clients did not close within 5s: {}", e.toString());
        }
        shutdownGroups();
        log.info("relay control server stopped");
    }

    /** Public ports kept for clients that were lost, until they reconnect or the grace ends. */
    public java.util.Set<Integer> reservedPorts() {
        return binder.reservedPorts();
    }

    public ControlCounters counters() {
        return counters;
    }

    public boolean isTls() {
        return sslContext != null;
    }

    public boolean isRunning() {
        return running;
    }

    /** The bound control port, or -1 before start. */
    public int port() {
        return port;
    }

    private void shutdownGroups() {
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
        if (workerGroup != null) {
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
