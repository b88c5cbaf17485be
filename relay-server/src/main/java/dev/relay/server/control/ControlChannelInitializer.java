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
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Builds a control connection's pipeline: idle detection, framing, codec, heartbeats, then the handshake. */
final class ControlChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final RelayProperties.Control config;
    private final TunnelRegistry registry;
    private final PublicPortBinder binder;
    private final ChannelGroup controlChannels;
    private final ClientAuthenticator authenticator;
    private final Duration authFailureDelay;
    private final ControlCounters counters;
    private final SslContext sslContext;

    ControlChannelInitializer(RelayProperties.Control config, TunnelRegistry registry, PublicPortBinder binder,
            ChannelGroup controlChannels, ClientAuthenticator authenticator, Duration authFailureDelay,
            ControlCounters counters, SslContext sslContext) {
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
                        counters));
    }
}
