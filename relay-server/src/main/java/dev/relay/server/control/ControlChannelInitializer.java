package dev.relay.server.control;

import static dev.relay.protocol.stream.PipelineNames.FRAMER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_DECODER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_ENCODER;
import static dev.relay.protocol.stream.PipelineNames.HANDSHAKE;
import static dev.relay.protocol.stream.PipelineNames.HEARTBEAT;
import static dev.relay.protocol.stream.PipelineNames.IDLE;

import dev.relay.protocol.FrameDecoder;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.stream.HeartbeatHandler;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.tunnel.PublicPortBinder;
import dev.relay.server.tunnel.TunnelRegistry;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/** Builds a control connection's pipeline: idle detection, framing, codec, heartbeats, then the handshake. */
final class ControlChannelInitializer extends ChannelInitializer<SocketChannel> {
    private final RelayProperties.Control config;
    private final TunnelRegistry registry;
    private final PublicPortBinder binder;
    private final ChannelGroup controlChannels;

    ControlChannelInitializer(RelayProperties.Control config, TunnelRegistry registry, PublicPortBinder binder,
            ChannelGroup controlChannels) {
        this.config = config;
        this.registry = registry;
        this.binder = binder;
        this.controlChannels = controlChannels;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        controlChannels.add(ch);
        int maxFrame = (int) config.maxFrameSize().toBytes();
        ch.pipeline()
                .addLast(IDLE, new IdleStateHandler(config.heartbeatTimeout().toMillis(),
                        config.heartbeatInterval().toMillis(), 0, TimeUnit.MILLISECONDS))
                .addLast(FRAMER, FrameEncoder.newFramer(maxFrame))
                .addLast(FRAME_DECODER, new FrameDecoder())
                .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                .addLast(HEARTBEAT, new HeartbeatHandler())
                .addLast(HANDSHAKE, new HandshakeHandler(config, registry, binder));
    }
}
