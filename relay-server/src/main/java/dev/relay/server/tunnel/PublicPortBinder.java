package dev.relay.server.tunnel;

import static java.util.Objects.requireNonNull;

import dev.relay.protocol.transport.Transports;
import dev.relay.server.config.PortRange;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Binds tunnels' public ports: the one a client asks for, a free one in the configured range, or any free port.
 * Each listener and every user channel it accepts run on the owning client's event loop.
 */
public final class PublicPortBinder {
    private static final int ANY_PORT_ATTEMPTS = 10;

    private final String publicHost;
    private final String bindAddress;
    private final PortRange range;
    private final Set<Integer> inUse = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Reservation> reservations = new ConcurrentHashMap<>();
    private final Duration grace;
    private final Duration idleTimeout;

    /** A lost client's port, kept for the same client identity until it expires. */
    private record Reservation(String owner, long expiresAtNanos) {
        boolean expired() {
            return System.nanoTime() - expiresAtNanos > 0;
        }
    }

    public PublicPortBinder(String publicHost, String bindAddress, PortRange range) {
        this(publicHost, bindAddress, range, Duration.ZERO, Duration.ZERO);
    }

    /**
     * @param grace       how long a lost client's ports stay reserved for it ({@code relay.public.reservation-grace})
     * @param idleTimeout how long a user connection may pass no bytes either way before it is closed, zero for ever
     *                    ({@code relay.public.idle-timeout})
     */
    public PublicPortBinder(String publicHost, String bindAddress, PortRange range, Duration grace,
            Duration idleTimeout) {
        this.publicHost = requireNonNull(publicHost, "publicHost");
        this.bindAddress = requireNonNull(bindAddress, "bindAddress");
        this.range = range;
        this.grace = requireNonNull(grace, "grace");
        this.idleTimeout = requireNonNull(idleTimeout, "idleTimeout");
    }

    /** How long a user connection may stay silent both ways; zero for no limit. */
    Duration idleTimeout() {
        return idleTimeout;
    }

    /** Keeps {@code port} for {@code owner} during the grace period. */
    void reserve(int port, String owner) {
        if (!grace.isZero()) {
            reservations.put(port, new Reservation(owner, System.nanoTime() + grace.toNanos()));
        }
    }

    /** Ports reserved now, for the admin API and tests. */
    public Set<Integer> reservedPorts() {
        reservations.entrySet().removeIf(e -> e.getValue().expired());
        return Set.copyOf(reservations.keySet());
    }

    private boolean reservedForAnother(int port, String owner) {
        Reservation r = reservations.get(port);
        if (r == null) {
            return false;
        }
        if (r.expired()) {
            reservations.remove(port, r);
            return false;
        }
        return !r.owner().equals(owner);
    }

    public String publicHost() {
        return publicHost;
    }

    /**
     * Binds a listener on {@code loop}. Completes on {@code loop} with the bound channel, or exceptionally with a
     * message fit to send to the client.
     */
    CompletableFuture<Channel> bind(EventLoop loop, int requestedPort, String owner, Consumer<SocketChannel> acceptor) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop, loop)
                .channel(Transports.current().serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // TCP_NODELAY: Netty sets it on every socket it creates (TransportsTest proves it); setting it
                // again here cost a system call per user connection.
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        acceptor.accept(ch);
                    }
                });
        CompletableFuture<Channel> result = new CompletableFuture<>();
        if (requestedPort != 0) {
            if (range != null && !range.contains(requestedPort)) {
                result.completeExceptionally(new IllegalArgumentException("port " + requestedPort
                        + " is outside the public port range " + range));
                return result;
            }
            if (reservedForAnother(requestedPort, owner)) {
                result.completeExceptionally(new IllegalStateException("port " + requestedPort
                        + " is reserved for a client that was disconnected (up to " + grace.toSeconds() + "s)"));
                return result;
            }
            bootstrap.bind(bindAddress, requestedPort).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    reservations.remove(requestedPort);
                    result.complete(track(f.channel()));
                } else {
                    result.completeExceptionally(new IllegalStateException("port " + requestedPort
                            + " is not available: " + f.cause().getMessage()));
                }
            });
            return result;
        }
        if (range == null) {
            tryAnyPort(bootstrap, owner, 0, result);
            return result;
        }
        int start = ThreadLocalRandom.current().nextInt(range.size());
        tryRange(bootstrap, owner, start, 0, result);
        return result;
    }

    /** Any free port, but not one reserved for another client (the system may hand one out again). */
    private void tryAnyPort(ServerBootstrap bootstrap, String owner, int attempt, CompletableFuture<Channel> result) {
        bootstrap.bind(bindAddress, 0).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new IllegalStateException("no public port could be bound: "
                        + f.cause().getMessage()));
                return;
            }
            int port = ((InetSocketAddress) f.channel().localAddress()).getPort();
            if (reservedForAnother(port, owner) && attempt < ANY_PORT_ATTEMPTS) {
                f.channel().close();
                tryAnyPort(bootstrap, owner, attempt + 1, result);
                return;
            }
            result.complete(track(f.channel()));
        });
    }

    private void tryRange(ServerBootstrap bootstrap, String owner, int start, int attempt,
            CompletableFuture<Channel> result) {
        while (attempt < range.size() && (inUse.contains(portAt(start, attempt))
                || reservedForAnother(portAt(start, attempt), owner))) {
            attempt++;
        }
        if (attempt >= range.size()) {
            result.completeExceptionally(new IllegalStateException("no free public port in the range " + range));
            return;
        }
        int next = attempt + 1;
        bootstrap.bind(bindAddress, portAt(start, attempt)).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                result.complete(track(f.channel()));
            } else {
                tryRange(bootstrap, owner, start, next, result);
            }
        });
    }

    private int portAt(int start, int attempt) {
        return range.low() + (start + attempt) % range.size();
    }

    private Channel track(Channel listener) {
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        inUse.add(port);
        listener.closeFuture().addListener(f -> inUse.remove(port));
        return listener;
    }
}
