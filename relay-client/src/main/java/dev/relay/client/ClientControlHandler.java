package dev.relay.client;

import dev.relay.protocol.CloseTunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Hello;
import dev.relay.protocol.ProtocolException;
import dev.relay.protocol.StreamOpen;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.TunnelRefused;
import dev.relay.protocol.Welcome;
import dev.relay.protocol.stream.ControlErrors;
import dev.relay.protocol.stream.HeartbeatHandler;
import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.protocol.stream.StreamTable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's end of one control connection: the handshake, tunnel requests and answers, and the streams the
 * server opens, each of which dials its tunnel's local target.
 */
final class ClientControlHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientControlHandler.class);
    /** Refusals that another attempt would only repeat. */
    private static final Set<ErrorCode> FATAL = EnumSet.of(ErrorCode.AUTHENTICATION_FAILED,
            ErrorCode.UNSUPPORTED_VERSION, ErrorCode.CLOSED_BY_OPERATOR);

    private final RelayClient client;
    private final String token;
    private final int maxFrameLength;
    private final int streamWindow;
    private final int maxStreamWindow;
    private final String identity;
    private final CompletableFuture<Welcome> handshake = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Map<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private volatile ClientConnection connection;
    private volatile GoAway goAway;
    private volatile String tlsFailure;
    private StreamTable streams;
    private LocalTargetDialer dialer;

    private record Pending(CompletableFuture<TunnelOpened> future, Tunnel tunnel) {
    }

    ClientControlHandler(RelayClient client, String token, int maxFrameLength, int streamWindow, int maxStreamWindow,
            String identity) {
        this.maxStreamWindow = maxStreamWindow;
        this.client = client;
        this.token = token;
        this.maxFrameLength = maxFrameLength;
        this.streamWindow = streamWindow;
        this.identity = identity;
    }

    void connection(ClientConnection connection) {
        this.connection = connection;
    }

    CompletableFuture<Welcome> handshake() {
        return handshake;
    }

    CompletableFuture<String> closeFuture() {
        return closed;
    }

    boolean isFatal() {
        GoAway g = goAway;
        return g != null && FATAL.contains(g.code());
    }

    CompletableFuture<TunnelOpened> expect(int requestId, Tunnel tunnel) {
        CompletableFuture<TunnelOpened> future = new CompletableFuture<>();
        pending.put(requestId, new Pending(future, tunnel));
        if (closed.isDone()) {
            fail(requestId, new RelayException("not connected: " + closed.join()));
        }
        return future;
    }

    void fail(int requestId, RelayException e) {
        Pending p = pending.remove(requestId);
        if (p != null) {
            p.future.completeExceptionally(e);
        }
    }

    void forget(Tunnel tunnel) {
        tunnels.remove(tunnel.id(), tunnel);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        HeartbeatHandler heartbeat = ctx.pipeline().get(HeartbeatHandler.class);
        streams = new StreamTable(ctx.channel(), streamWindow).autoTune(Math.max(streamWindow, maxStreamWindow),
                heartbeat::rttNanos);
        dialer = new LocalTargetDialer(ctx.channel().eventLoop());
        ctx.writeAndFlush(new Hello(Frames.VERSION, token, maxFrameLength, agent(), identity));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (!handshake.isDone()) {
            if (frame instanceof Welcome welcome) {
                if (welcome.version() < Frames.MIN_VERSION || welcome.version() > Frames.VERSION) {
                    String why = "the server speaks protocol version " + welcome.version() + " (expected: "
                            + Frames.MIN_VERSION + "-" + Frames.VERSION + ")";
                    // Fatal: connecting again would only hear the same version.
                    handshake.completeExceptionally(new RefusedException(why, true));
                    throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, why);
                }
                streams.peerMaxFrameLength(welcome.maxFrameLength());
                handshake.complete(welcome);
                return;
            }
            if (frame instanceof GoAway g) {
                goAway(ctx, g);
                return;
            }
            ReferenceCountUtil.release(msg);
            throw new ProtocolException("expected WELCOME first, got " + frame.type());
        }
        if (streams.handle(frame)) {
            return;
        }
        if (frame instanceof StreamOpen open) {
            streamOpen(open);
        } else if (frame instanceof TunnelOpened opened) {
            Pending p = pending.remove(opened.requestId());
            if (p == null) {
                throw new ProtocolException("TUNNEL_OPENED for request " + opened.requestId() + ", never asked");
            }
            tunnels.put(opened.tunnelId(), p.tunnel);
            p.tunnel.bound(opened.tunnelId(), opened.publicPort(), opened.publicAddress());
            p.future.complete(opened);
        } else if (frame instanceof TunnelRefused refused) {
            fail(refused.requestId(), new RelayException("tunnel refused: " + refused.reason()));
        } else if (frame instanceof CloseTunnel close) {
            Tunnel t = tunnels.remove(close.tunnelId());
            if (t != null) {
                log.info("tunnel {} closed by the server: {}", t.publicAddress(), close.reason());
                client.tunnelClosed(t, "closed by the server: " + close.reason());
            }
        } else if (frame instanceof GoAway g) {
            goAway(ctx, g);
        } else {
            ReferenceCountUtil.release(msg);
            throw new ProtocolException(frame.type() + " is not allowed from a server");
        }
    }

    private void streamOpen(StreamOpen open) {
        Instant openedAt = Instant.now();
        Tunnel tunnel = tunnels.get(open.tunnelId());
        StreamEndpoint stream = streams.create(open.streamId(), s -> {
            if (tunnel != null) {
                client.connectionClosed(new ConnectionEvent(tunnel, open.remoteAddress(), openedAt,
                        Duration.between(openedAt, Instant.now()), s.bytesToSocket(), s.bytesFromSocket(),
                        s.closeReason()));
            }
        });
        stream.open(open.window());
        if (tunnel == null) {
            stream.reset("tunnel " + open.tunnelId() + " is closed", true);
            return;
        }
        client.connectionOpened(new ConnectionEvent(tunnel, open.remoteAddress(), openedAt, Duration.ZERO, 0, 0,
                null));
        dialer.dial(stream, tunnel, open.remoteAddress());
    }

    private void goAway(ChannelHandlerContext ctx, GoAway g) {
        goAway = g;
        if (handshake.isDone() && g.code() == ErrorCode.SHUTDOWN) {
            // A draining server lets open connections finish and closes the control connection itself.
            log.info("server is going away ({}); open connections go on until it closes", g.reason());
            return;
        }
        log.info("server is closing the connection: {} {}", g.code(), g.reason());
        handshake.completeExceptionally(new RefusedException("refused by the server: " + g.reason(),
                FATAL.contains(g.code())));
        ctx.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent tls && !tls.isSuccess()) {
            Throwable cause = tls.cause();
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            tlsFailure = "TLS handshake failed: " + cause.getMessage();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streams != null) {
            streams.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        GoAway g = goAway;
        String reason = g != null ? "closed by the server: " + g.reason()
                : tlsFailure != null ? tlsFailure : "connection lost";
        handshake.completeExceptionally(new RelayException(tlsFailure != null ? tlsFailure
                : "connection closed during the handshake: " + reason));
        if (streams != null) {
            streams.closeAll(reason);
        }
        for (Integer id : pending.keySet()) {
            fail(id, new RelayException("connection to the server closed: " + reason));
        }
        closed.complete(reason);
        ClientConnection c = connection;
        if (c != null) {
            client.connectionLost(c, reason);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (tlsFailure != null || cause.getCause() instanceof SSLException) {
            ctx.close(); // reported once, as the reason the connection closed
            return;
        }
        ControlErrors.close(ctx, cause, log);
    }

    private static String agent() {
        String version = ClientControlHandler.class.getPackage().getImplementationVersion();
        return "relay-client/" + (version == null ? "dev" : version) + " java/" + System.getProperty("java.version");
    }
}
