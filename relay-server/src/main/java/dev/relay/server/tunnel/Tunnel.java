package dev.relay.server.tunnel;

import dev.relay.protocol.CloseTunnel;
import dev.relay.protocol.StreamOpen;
import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.protocol.stream.StreamSocketHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.springframework.security.web.util.matcher.IpAddressMatcher;
import org.slf4j.LoggerFactory;

/**
 * One public port and the user connections it accepted. Its state is a single machine, OPEN → CLOSING → CLOSED,
 * touched only on the owning client's event loop, which is also the loop of the public listener and of every user
 * channel. Closing closes the listener first, then the users; a user channel that registers after the tunnel left
 * OPEN is closed at once. Since registration and closing run on the same thread, no interleaving of a late accept
 * and a teardown can leave a user connected to a closed tunnel.
 */
public final class Tunnel {
    private static final Logger log = LoggerFactory.getLogger(Tunnel.class);

    /** The life of a tunnel. */
    public enum State { OPEN, CLOSING, CLOSED }

    /** A read-only view for the admin API. */
    public record Info(int id, String clientId, String clientAddress, int publicPort, String publicAddress,
            String target, Instant openedAt, int activeConnections, long totalConnections, long bytesIn,
            long bytesOut, List<String> allow) {
    }

    private final int id;
    private final ClientSession session;
    private final String target;
    /** The client's own allow list for this tunnel (empty: the server's policy alone). */
    private final List<IpAddressMatcher> allow;
    private final List<String> allowList;
    private final Instant openedAt;
    private final Map<Long, UserConnection> connections = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile State state = State.OPEN;
    private volatile Channel listener;
    private volatile String publicAddress;
    private volatile int publicPort;
    private volatile int activeConnections;
    private volatile long totalConnections;
    private volatile long closedBytesIn;
    private volatile long closedBytesOut;

    Tunnel(int id, ClientSession session, String target, List<String> allowList, List<IpAddressMatcher> allow) {
        this.allowList = List.copyOf(allowList);
        this.allow = allow;
        this.id = id;
        this.session = session;
        this.target = target;
        this.openedAt = Instant.now();
    }

    public int id() {
        return id;
    }

    public State state() {
        return state;
    }

    public ClientSession session() {
        return session;
    }

    public int publicPort() {
        return publicPort;
    }

    public String publicAddress() {
        return publicAddress;
    }

    public Info info() {
        long in = closedBytesIn;
        long out = closedBytesOut;
        for (UserConnection c : connections.values()) {
            in += c.bytesIn();
            out += c.bytesOut();
        }
        return new Info(id, session.id(), session.remoteAddress(), publicPort, publicAddress, target, openedAt,
                activeConnections, totalConnections, in, out, allowList);
    }

    /** A future that completes once the tunnel is CLOSED: listener unbound and every user disconnected. */
    public CompletableFuture<Void> closeFuture() {
        return closed;
    }

    /** Closes the tunnel from any thread, telling the client why; the future completes once it is CLOSED. */
    public CompletableFuture<Void> close(String reason) {
        EventLoop loop = session.eventLoop();
        loop.execute(() -> close(reason, "admin", true));
        return closed;
    }

    // ---- on the event loop

    void bound(Channel listener, String publicHost) {
        this.listener = listener;
        this.publicPort = ((InetSocketAddress) listener.localAddress()).getPort();
        this.publicAddress = "tcp://" + publicHost + ":" + publicPort;
    }

    /** Closes the public listener but keeps the users already connected (the server is draining). */
    void stopAccepting() {
        Channel l = listener;
        if (l != null) {
            l.close();
        }
    }

    /** A user connected to the public port: register it and open its stream, or refuse it if no longer open. */
    void accept(SocketChannel user) {
        assert session.eventLoop().inEventLoop();
        if (state != State.OPEN || !session.isOpen()) {
            refuse(user, RefusalReason.TUNNEL_CLOSED);
            return;
        }
        if (!allow.isEmpty()) {
            String ip = user.remoteAddress().getAddress().getHostAddress();
            if (allow.stream().noneMatch(m -> m.matches(ip))) {
                refuse(user, RefusalReason.ACCESS_DENIED);
                return;
            }
        }
        AdmissionControl admission = session.registry().admission();
        if (connections.size() >= admission.limits().maxConnectionsPerTunnel()) {
            refuse(user, RefusalReason.TUNNEL_LIMIT);
            return;
        }
        RefusalReason refusal = admission.admit(user.remoteAddress().getAddress());
        if (refusal != null) {
            refuse(user, refusal);
            return;
        }
        String remote = String.valueOf(user.remoteAddress());
        int streamId = session.streams().nextStreamId();
        long connectionId = session.registry().nextConnectionId();
        UserConnection[] holder = new UserConnection[1];
        StreamEndpoint stream = session.streams().create(streamId, s -> removed(holder[0]));
        UserConnection connection = new UserConnection(connectionId, this, stream, user, remote, Instant.now());
        holder[0] = connection;
        connections.put(connectionId, connection);
        session.registry().add(connection);
        activeConnections = connections.size();
        totalConnections++;
        // Announce the stream before touching the socket: whatever happens next, the client knows the stream id. With
        // protocol 2 the socket reads at once, and the user's first bytes, if already there, share its write.
        session.streams().sendNextTurn(new StreamOpen(streamId, id, stream.receiveWindow(), remote));
        Duration idle = session.userIdleTimeout();
        if (!idle.isZero()) {
            // Ahead of the stream handler, which consumes the reads: it must see them to restart its clock.
            user.pipeline().addLast("idle", new IdleStateHandler(0, 0, idle.toNanos(), TimeUnit.NANOSECONDS) {
                @Override
                protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
                    connection.closeNow("no bytes either way for " + idle + " (relay.public.idle-timeout)",
                            "idle-timeout");
                }
            });
        }
        user.pipeline().addLast("stream", new StreamSocketHandler(stream));
        stream.attach(user);
    }

    private void refuse(SocketChannel user, RefusalReason reason) {
        log.debug("tunnel {} refuses {}: {}", id, user.remoteAddress(), reason.tag());
        session.registry().refused(id, session.id(), String.valueOf(user.remoteAddress()), reason);
        // A reset, not a FIN: the user learns at once, and no TIME_WAIT is left here by an attacker's connects.
        user.config().setOption(ChannelOption.SO_LINGER, 0);
        user.close();
    }

    private void removed(UserConnection connection) {
        if (connections.remove(connection.id()) != null) {
            closedBytesIn += connection.bytesIn();
            closedBytesOut += connection.bytesOut();
            activeConnections = connections.size();
            session.registry().admission().release(connection.sourceAddress());
        }
        session.registry().remove(connection);
    }

    /**
     * OPEN → CLOSING → CLOSED: unbind the listener, then disconnect every user, then leave the registry.
     *
     * @param notifyClient whether to send {@link CloseTunnel} (not when the client asked, nor when it is gone)
     */
    void close(String reason, String cause, boolean notifyClient) {
        assert session.eventLoop().inEventLoop();
        if (state != State.OPEN) {
            return;
        }
        state = State.CLOSING;
        List<ChannelFuture> closing = new ArrayList<>();
        Channel l = listener;
        if (l != null) {
            closing.add(l.close());
        }
        for (UserConnection c : List.copyOf(connections.values())) {
            closing.add(c.channel().closeFuture());
            c.closeNow(reason, cause);
        }
        session.tunnelClosed(this);
        if (notifyClient && session.isOpen()) {
            session.send(new CloseTunnel(id, reason));
        }
        log.info("tunnel {} ({}) of client {} closed: {}", id, publicAddress, session.id(), reason);
        session.registry().tunnelClosed(this, reason);
        CompletableFuture.allOf(closing.stream().map(Tunnel::toCompletable).toArray(CompletableFuture[]::new))
                .whenComplete((v, e) -> {
                    state = State.CLOSED;
                    closed.complete(null);
                });
    }

    private static CompletableFuture<Void> toCompletable(ChannelFuture f) {
        CompletableFuture<Void> c = new CompletableFuture<>();
        f.addListener(done -> c.complete(null));
        return c;
    }

    @Override
    public String toString() {
        return "tunnel " + id + " (" + publicAddress + ")";
    }
}
