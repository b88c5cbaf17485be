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
import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.protocol.stream.StreamTable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's end of the control connection: the handshake, tunnel requests and answers, and the streams the
 * server opens, each of which dials the tunnel's local target.
 */
final class ClientControlHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ClientControlHandler.class);

    private final String token;
    private final int maxFrameLength;
    private final int streamWindow;
    private final CompletableFuture<Welcome> handshake = new CompletableFuture<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private volatile RelayClient client;
    private volatile String goAwayReason;
    private volatile String tlsFailure;
    private StreamTable streams;
    private LocalTargetDialer dialer;

    private record Pending(CompletableFuture<Tunnel> future, Function<TunnelOpened, Tunnel> onOpened) {
    }

    ClientControlHandler(String token, int maxFrameLength, int streamWindow) {
        this.token = token;
        this.maxFrameLength = maxFrameLength;
        this.streamWindow = streamWindow;
    }

    void client(RelayClient client) {
        this.client = client;
    }

    CompletableFuture<Welcome> handshake() {
        return handshake;
    }

    Welcome welcome() {
        return handshake.join();
    }

    CompletableFuture<String> closeFuture() {
        return closed;
    }

    CompletableFuture<Tunnel> expect(int requestId, Function<TunnelOpened, Tunnel> onOpened, String host, int port) {
        CompletableFuture<Tunnel> future = new CompletableFuture<>();
        pending.put(requestId, new Pending(future, onOpened));
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

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        streams = new StreamTable(ctx.channel(), streamWindow);
        dialer = new LocalTargetDialer(ctx.channel().eventLoop());
        ctx.writeAndFlush(new Hello(Frames.VERSION, token, maxFrameLength, agent()));
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (!handshake.isDone()) {
            if (frame instanceof Welcome welcome) {
                streams.peerMaxFrameLength(welcome.maxFrameLength());
                handshake.complete(welcome);
                return;
            }
            if (frame instanceof GoAway goAway) {
                goAway(ctx, goAway);
                return;
            }
            ReferenceCountUtil.release(msg);
            throw new ProtocolException("expected WELCOME first, got " + frame.type());
        }
        if (streams.handle(frame)) {
            return;
        }
        if (frame instanceof StreamOpen open) {
            StreamEndpoint stream = streams.create(open.streamId(), s -> { });
            stream.open(open.window());
            Tunnel tunnel = client.tunnel(open.tunnelId());
            if (tunnel == null) {
                stream.reset("tunnel " + open.tunnelId() + " is closed", true);
                return;
            }
            dialer.dial(stream, tunnel.localHost(), tunnel.localPort());
        } else if (frame instanceof TunnelOpened opened) {
            Pending p = pending.remove(opened.requestId());
            if (p == null) {
                throw new ProtocolException("TUNNEL_OPENED for request " + opened.requestId() + ", never asked");
            }
            p.future.complete(p.onOpened.apply(opened));
        } else if (frame instanceof TunnelRefused refused) {
            fail(refused.requestId(), new RelayException("tunnel refused: " + refused.reason()));
        } else if (frame instanceof CloseTunnel close) {
            log.info("tunnel {} closed by the server: {}", close.tunnelId(), close.reason());
            client.tunnelClosed(close.tunnelId(), "closed by the server: " + close.reason());
        } else if (frame instanceof GoAway goAway) {
            goAway(ctx, goAway);
        } else {
            ReferenceCountUtil.release(msg);
            throw new ProtocolException(frame.type() + " is not allowed from a server");
        }
    }

    private void goAway(ChannelHandlerContext ctx, GoAway goAway) {
        goAwayReason = goAway.reason();
        if (handshake.isDone() && goAway.code() == ErrorCode.SHUTDOWN) {
            // A draining server lets open connections finish and closes the control connection itself.
            log.info("server is going away ({}); open connections go on until it closes", goAway.reason());
            return;
        }
        log.info("server is closing the connection: {} {}", goAway.code(), goAway.reason());
        handshake.completeExceptionally(new RelayException("refused by the server: " + goAway.reason()));
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
        String reason = goAwayReason != null ? "closed by the server: " + goAwayReason
                : tlsFailure != null ? tlsFailure : "connection lost";
        handshake.completeExceptionally(new RelayException(tlsFailure != null ? tlsFailure
                : "connection closed during the handshake: " + reason));
        if (streams != null) {
            streams.closeAll(reason);
        }
        for (Integer id : pending.keySet()) {
            fail(id, new RelayException("connection to the server closed: " + reason));
        }
        RelayClient c = client;
        if (c != null) {
            c.connectionClosed(reason);
        }
        closed.complete(reason);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (tlsFailure != null || cause.getCause() instanceof javax.net.ssl.SSLException) {
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
