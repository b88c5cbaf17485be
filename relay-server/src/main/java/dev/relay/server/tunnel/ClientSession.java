package dev.relay.server.tunnel;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.TunnelRefused;
import dev.relay.protocol.stream.StreamTable;
import io.netty.channel.Channel;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connected client: its control channel, its streams and its tunnels. Everything that changes it runs on the
 * control channel's event loop; the admin API reads it through {@link #info()} and closes it with
 * {@link #close(String)} from any thread.
 */
public final class ClientSession {
    private static final Logger log = LoggerFactory.getLogger(ClientSession.class);

    /**
     * The server is shutting down: stop accepting users on every tunnel and tell the client, but let open user
     * connections go on. Safe from any thread.
     */
    public void drain() {
        control.eventLoop().execute(() -> {
            for (Tunnel t : tunnels.values()) {
                t.stopAccepting();
            }
            send(new GoAway(ErrorCode.SHUTDOWN, "server shutting down"));
        });
    }

    /** A future that completes once the client is gone and all its tunnels are closed. */
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    /** A read-only view for the admin API. */
    public record Info(String id, String remoteAddress, String agent, Instant connectedAt, List<Integer> tunnels) {
    }

    private final String id;
    private final Channel control;
    private final StreamTable streams;
    private final TunnelRegistry registry;
    private final PublicPortBinder binder;
    private final String agent;
    private final String identity;
    private final Instant connectedAt = Instant.now();
    private final Map<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile boolean open = true;
    private volatile String closeReason;
    /** Whether the lost client's ports are kept for it: not after a goodbye, nor when an operator closed it. */
    private volatile boolean reservePorts = true;
    private volatile boolean shuttingDown;
    /** Tunnel binds in progress; event loop only. */
    private int binding;

    /**
     * @param identity who the client is across reconnections (its token and instance identity, hashed): a lost
     *                 client's ports are reserved for the same identity
     */
    public ClientSession(Channel control, StreamTable streams, TunnelRegistry registry, PublicPortBinder binder,
            String agent, String identity) {
        this.id = registry.nextClientId();
        this.identity = identity;
        this.control = control;
        this.streams = streams;
        this.registry = registry;
        this.binder = binder;
        this.agent = agent;
        registry.add(this);
        registry.clientConnected(this);
    }

    public String id() {
        return id;
    }

    public String remoteAddress() {
        return String.valueOf(control.remoteAddress());
    }

    public boolean isOpen() {
        return open;
    }

    public Info info() {
        return new Info(id, remoteAddress(), agent, connectedAt, tunnels.keySet().stream().sorted().toList());
    }

    /**
     * Disconnects the client for good, as an operator does: tells it not to come back, closes all its tunnels and
     * frees their ports at once. Safe from any thread; completes once all is closed.
     */
    public CompletableFuture<Void> close(String reason) {
        control.eventLoop().execute(() -> {
            if (closeReason == null) {
                closeReason = reason;
            }
            reservePorts = false;
            control.writeAndFlush(new GoAway(ErrorCode.CLOSED_BY_OPERATOR, reason))
                    .addListener(ChannelFutureListener.CLOSE);
        });
        return closed;
    }

    /**
     * A new connection of the same client replaces this one (it noticed the loss before the server did): close
     * this one, keeping its ports for the newcomer. Safe from any thread; completes once its ports are released.
     */
    public CompletableFuture<Void> replace() {
        control.eventLoop().execute(() -> {
            if (closeReason == null) {
                closeReason = "replaced by a new connection of the same client";
            }
            control.close();
        });
        return closed;
    }

    /** The server is stopping: what closes now closes for that reason. */
    public void shuttingDown() {
        shuttingDown = true;
    }

    Instant connectedAt() {
        return connectedAt;
    }

    /** The client said goodbye: its ports are freed at once. */
    public void saidGoodbye() {
        reservePorts = false;
    }

    String identity() {
        return identity;
    }

    // ---- on the event loop

    public StreamTable streams() {
        return streams;
    }

    TunnelRegistry registry() {
        return registry;
    }

    Duration userIdleTimeout() {
        return binder.idleTimeout();
    }

    EventLoop eventLoop() {
        return control.eventLoop();
    }

    void send(Frame frame) {
        control.writeAndFlush(frame);
    }

    /** Handles {@link OpenTunnel}: bind a public port and answer with its address or the reason it failed. */
    public void openTunnel(OpenTunnel request) {
        int max = registry.admission().limits().maxTunnelsPerClient();
        // Binds complete on a later turn: count the ones in progress too, or pipelined requests would pass.
        if (tunnels.size() + binding >= max) {
            send(new TunnelRefused(request.requestId(), "this client already has " + (tunnels.size() + binding)
                    + " tunnels (relay.limits.max-tunnels-per-client=" + max + ")"));
            return;
        }
        binding++;
        List<IpAddressMatcher> allow;
        try {
            allow = AdmissionControl.tunnelAllowList(request.allow());
        } catch (IllegalArgumentException e) {
            send(new TunnelRefused(request.requestId(), e.getMessage()));
            return;
        }
        List<String> allowList = request.allow().isBlank() ? List.of()
                : java.util.Arrays.stream(request.allow().split(",")).map(String::trim).toList();
        Tunnel tunnel = new Tunnel(registry.nextTunnelId(), this, request.target(), allowList, allow);
        binder.bind(control.eventLoop(), request.requestedPort(), identity, tunnel::accept).whenComplete((listener, error) -> {
            binding--;
            if (error != null) {
                log.info("client {}: tunnel to {} refused: {}", id, request.target(), error.getMessage());
                send(new TunnelRefused(request.requestId(), error.getMessage()));
                return;
            }
            if (!open) {
                // The client left while the port was being bound: nobody may reach this listener.
                listener.close();
                return;
            }
            tunnel.bound(listener, binder.publicHost());
            tunnels.put(tunnel.id(), tunnel);
            registry.add(tunnel);
            registry.tunnelOpened(tunnel);
            log.info("client {}: tunnel {} open at {} -> {}", id, tunnel.id(), tunnel.publicAddress(),
                    request.target());
            send(new TunnelOpened(request.requestId(), tunnel.id(), tunnel.publicPort(), tunnel.publicAddress()));
        });
    }

    /** The client asked to close one of its tunnels. An unknown id is ignored: the server may have closed it. */
    public void closeTunnel(int tunnelId, String reason) {
        Tunnel tunnel = tunnels.get(tunnelId);
        if (tunnel != null) {
            tunnel.close("closed by the client: " + reason, "tunnel-closed", false);
        }
    }

    void tunnelClosed(Tunnel tunnel) {
        tunnels.remove(tunnel.id(), tunnel);
        registry.remove(tunnel);
    }

    /** The control channel is gone: close every tunnel (listeners first), then forget the client. */
    public void closed(String reason) {
        if (!open) {
            return;
        }
        open = false;
        String why = closeReason != null ? closeReason : reason;
        List<Tunnel> all = List.copyOf(tunnels.values());
        String cause = shuttingDown ? "server-shutdown" : "client-gone";
        for (Tunnel t : all) {
            if (reservePorts && t.publicPort() > 0) {
                binder.reserve(t.publicPort(), identity);
            }
            t.close(why, cause, false);
        }
        streams.closeAll(why);
        registry.remove(this);
        registry.clientDisconnected(this, why);
        log.info("client {} ({}) disconnected: {}", id, remoteAddress(), why);
        CompletableFuture.allOf(all.stream().map(Tunnel::closeFuture).toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> closed.complete(null));
    }
}
