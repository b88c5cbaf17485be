package dev.relay.server.control;

import static dev.relay.protocol.stream.PipelineNames.CONTROL;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Hello;
import dev.relay.protocol.ProtocolException;
import dev.relay.protocol.Welcome;
import dev.relay.protocol.stream.ControlErrors;
import dev.relay.protocol.stream.HeartbeatHandler;
import dev.relay.protocol.stream.StreamTable;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.tunnel.ClientSession;
import dev.relay.server.tunnel.PublicPortBinder;
import dev.relay.server.tunnel.TunnelRegistry;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the client's {@link Hello}: checks the version, answers {@link Welcome} and hands the connection to a
 * {@link ServerControlHandler}, removing itself. Anything else first is a protocol error; no {@code Hello} within
 * the handshake timeout closes the connection.
 */
final class HandshakeHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HandshakeHandler.class);

    private final RelayProperties.Control config;
    private final TunnelRegistry registry;
    private final PublicPortBinder binder;
    private final ClientAuthenticator authenticator;
    private final Duration authFailureDelay;
    private final ControlCounters counters;
    private final AtomicInteger handshaking;
    private final int maxClients;
    private ScheduledFuture<?> timeout;
    private boolean refused;
    private boolean counted = true;

    HandshakeHandler(RelayProperties.Control config, TunnelRegistry registry, PublicPortBinder binder,
            ClientAuthenticator authenticator, Duration authFailureDelay, ControlCounters counters,
            AtomicInteger handshaking, int maxClients) {
        this.handshaking = handshaking;
        this.maxClients = maxClients;
        this.config = config;
        this.registry = registry;
        this.binder = binder;
        this.authenticator = authenticator;
        this.authFailureDelay = authFailureDelay;
        this.counters = counters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long millis = config.handshakeTimeout().toMillis();
        timeout = ctx.executor().schedule(() -> {
            log.info("{} no handshake within {} ms, closing", ctx.channel(), millis);
            counters.handshakeTimedOut();
            ctx.writeAndFlush(new GoAway(ErrorCode.HANDSHAKE_TIMEOUT, "no handshake within " + millis + " ms"))
                    .addListener(ChannelFutureListener.CLOSE);
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        timeout.cancel(false);
        if (counted) {
            counted = false;
            handshaking.decrementAndGet();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg); // the refusal is on its way; nothing else is heard
            return;
        }
        if (!(msg instanceof Hello hello)) {
            ReferenceCountUtil.release(msg);
            throw new ProtocolException("expected HELLO first, got " + msg.getClass().getSimpleName());
        }
        if (hello.version() < Frames.MIN_VERSION || hello.version() > Frames.VERSION) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + hello.version()
                    + " is not supported (expected: " + Frames.MIN_VERSION + "-" + Frames.VERSION + ")");
        }
        if (!authenticator.accepts(hello.token())) {
            refuse(ctx, hello);
            return;
        }
        String identity = identity(hello);
        ClientSession previous = registry.sessionOf(identity).orElse(null);
        if (previous != null) {
            // The client noticed the loss of its connection before the server did. Retire the old session first,
            // keeping its ports for this one, and hear nothing more from the new connection until that is done.
            log.info("{} client {} reconnected; replacing its previous connection", ctx.channel(), previous.id());
            ctx.channel().config().setAutoRead(false);
            previous.replace().whenComplete((v, e) -> ctx.executor().execute(() -> {
                if (ctx.channel().isActive()) {
                    welcome(ctx, hello, identity);
                    ctx.channel().config().setAutoRead(true);
                }
            }));
            return;
        }
        welcome(ctx, hello, identity);
    }

    private void welcome(ChannelHandlerContext ctx, Hello hello, String identity) {
        if (registry.clientCount() >= maxClients) {
            refused = true;
            counters.clientRefused();
            log.warn("{} client refused: {} clients connected (relay.limits.max-clients)", ctx.channel(), maxClients);
            ctx.writeAndFlush(new GoAway(ErrorCode.OVERLOADED, "the server has reached its limit of " + maxClients
                    + " clients (relay.limits.max-clients)")).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        HeartbeatHandler heartbeat = ctx.pipeline().get(HeartbeatHandler.class);
        StreamTable streams = new StreamTable(ctx.channel(), (int) config.streamWindow().toBytes())
                .autoTune((int) config.maxStreamWindow().toBytes(), heartbeat::rttNanos);
        streams.peerMaxFrameLength(hello.maxFrameLength());
        if (hello.version() >= Frames.EARLY_DATA_VERSION) {
            streams.earlyData(Frames.EARLY_DATA_WINDOW);
        }
        ClientSession session = new ClientSession(ctx.channel(), streams, registry, binder, hello.agent(), identity);
        ctx.pipeline().replace(this, CONTROL, new ServerControlHandler(session, counters));
        // The connection speaks the client's version, which is at most this server's.
        ctx.writeAndFlush(new Welcome(hello.version(), session.id(), (int) config.maxFrameSize().toBytes(),
                (int) config.heartbeatInterval().toMillis()));
        log.info("{} client {} connected ({})", ctx.channel(), session.id(), hello.agent());
    }

    /** Who the client is across reconnections: its token and its instance identity, hashed together. */
    private static String identity(Hello hello) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(hello.token().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(hello.identity().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Answers a bad token only after the failure delay, so that guessing tokens is slow. */
    private void refuse(ChannelHandlerContext ctx, Hello hello) {
        refused = true;
        timeout.cancel(false);
        counters.authenticationFailed();
        log.info("{} client refused: invalid token ({})", ctx.channel(), hello.agent());
        ctx.executor().schedule(() -> {
            ctx.writeAndFlush(new GoAway(ErrorCode.AUTHENTICATION_FAILED, "invalid token"))
                    .addListener(ChannelFutureListener.CLOSE);
        }, authFailureDelay.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ControlErrors.close(ctx, cause, log, counters::protocolError);
    }
}
