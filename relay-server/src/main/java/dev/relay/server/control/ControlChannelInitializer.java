package dev.relay.server.control;

import static dev.relay.protocol.stream.PipelineNames.FRAMER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_DECODER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_ENCODER;
import static dev.relay.protocol.stream.PipelineNames.HANDSHAKE;
import static dev.relay.protocol.stream.PipelineNames.HEARTBEAT;
import static dev.relay.protocol.stream.PipelineNames.IDLE;
import static dev.relay.protocol.stream.PipelineNames.TLS;

import dev.relay.protocol.FrameDecoder;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.stream.HeartbeatHandler;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.tunnel.PublicPortBinder;
import dev.relay.server.tunnel.TunnelRegistry;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.channel.ChannelOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.TimeUnit;

/** Builds a control connection's pipeline: idle detection, framing, codec, heartbeats, then the handshake. */
final class ControlChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final Logger log = LoggerFactory.getLogger(ControlChannelInitializer.class);

    private final RelayProperties.Control config;
    private final TunnelRegistry registry;
    private final PublicPortBinder binder;
    private final ChannelGroup controlChannels;
    private final ClientAuthenticator authenticator;
    private final Duration authFailureDelay;
    private final ControlCounters counters;
    private final SslContext sslContext;
    private final RelayProperties.Limits limits;
    /** Connections that have not completed their handshake: an unauthenticated stranger may hold only so many. */
    private final AtomicInteger handshaking = new AtomicInteger();

    ControlChannelInitializer(RelayProperties.Control config, TunnelRegistry registry, PublicPortBinder binder,
            ChannelGroup controlChannels, ClientAuthenticator authenticator, Duration authFailureDelay,
            ControlCounters counters, SslContext sslContext, RelayProperties.Limits limits) {
        this.limits = limits;
        this.config = config;
        this.registry = registry;
        this.binder = binder;
        this.controlChannels = controlChannels;
        this.authenticator = authenticator;
        this.authFailureDelay = authFailureDelay;
        this.counters = counters;
        this.sslContext = sslContext;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (handshaking.incrementAndGet() > limits.maxPendingHandshakes()) {
            handshaking.decrementAndGet();
            counters.handshakeRefused();
            log.warn("{} refused: {} connections already in handshake (relay.limits.max-pending-handshakes)", ch,
                    limits.maxPendingHandshakes());
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
            ch.close();
            return;
        }
        controlChannels.add(ch);
        int maxFrame = (int) config.maxFrameSize().toBytes();
        if (sslContext != null) {
            ch.pipeline().addLast(TLS, sslContext.newHandler(ch.alloc()));
        }
        ch.pipeline()
                .addLast(IDLE, new IdleStateHandler(config.heartbeatTimeout().toMillis(),
                        config.heartbeatInterval().toMillis(), 0, TimeUnit.MILLISECONDS))
                .addLast(FRAMER, FrameEncoder.newFramer(maxFrame))
                .addLast(FRAME_DECODER, new FrameDecoder())
                .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                .addLast(HEARTBEAT, new HeartbeatHandler())
                .addLast(HANDSHAKE, new HandshakeHandler(config, registry, binder, authenticator, authFailureDelay,
                        counters, handshaking, limits.maxClients()));
    }
}
