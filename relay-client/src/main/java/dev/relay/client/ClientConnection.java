package dev.relay.client;

import static dev.relay.protocol.stream.PipelineNames.CONTROL;
import static dev.relay.protocol.stream.PipelineNames.FRAMER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_DECODER;
import static dev.relay.protocol.stream.PipelineNames.FRAME_ENCODER;
import static dev.relay.protocol.stream.PipelineNames.HEARTBEAT;
import static dev.relay.protocol.stream.PipelineNames.IDLE;
import static dev.relay.protocol.stream.PipelineNames.TLS;

import dev.relay.protocol.CloseTunnel;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.FrameDecoder;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.stream.HeartbeatHandler;
import dev.relay.protocol.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** One control connection of a {@link RelayClient}; a reconnection makes a new one. */
final class ClientConnection {
    private final Channel channel;
    private final ClientControlHandler handler;
    private final AtomicInteger requestIds = new AtomicInteger();

    private ClientConnection(Channel channel, ClientControlHandler handler) {
        this.channel = channel;
        this.handler = handler;
    }

    /** Dials the server and completes the handshake; fails with a {@link RelayException} saying why not. */
    static CompletableFuture<ClientConnection> dial(RelayClient client, RelayClient.Builder o, EventLoopGroup group,
            SslContext sslContext) {
        ClientControlHandler handler = new ClientControlHandler(client, o.token, o.maxFrameLength, o.streamWindow,
                o.maxStreamWindow, client.identity());
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(Transports.current().socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, Frames.CONTROL_WATER_MARK)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) o.connectTimeout.toMillis())
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(TLS, sslContext.newHandler(ch.alloc(), o.host, o.port));
                        }
                        ch.pipeline()
                                .addLast(IDLE, new IdleStateHandler(o.heartbeatTimeout.toMillis(),
                                        o.heartbeatInterval.toMillis(), 0, TimeUnit.MILLISECONDS))
                                .addLast(FRAMER, FrameEncoder.newFramer(o.maxFrameLength))
                                .addLast(FRAME_DECODER, new FrameDecoder())
                                .addLast(FRAME_ENCODER, FrameEncoder.INSTANCE)
                                .addLast(HEARTBEAT, new HeartbeatHandler())
                                .addLast(CONTROL, handler);
                    }
                });
        CompletableFuture<ClientConnection> result = new CompletableFuture<>();
        bootstrap.connect(o.host, o.port).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new RelayException("cannot reach the relay server at " + o.host + ":"
                        + o.port + ": " + f.cause().getMessage(), f.cause()));
                return;
            }
            ClientConnection connection = new ClientConnection(f.channel(), handler);
            handler.connection(connection);
            handler.handshake().whenComplete((welcome, error) -> {
                if (error != null) {
                    result.completeExceptionally(error);
                } else {
                    result.complete(connection);
                }
            });
        });
        return result;
    }

    String sessionId() {
        return handler.handshake().join().sessionId();
    }

    boolean isActive() {
        return channel.isActive();
    }

    /** Whether the server said not to come back (refused token, operator, version). */
    boolean isFatal() {
        return handler.isFatal();
    }

    CompletableFuture<String> closeFuture() {
        return handler.closeFuture();
    }

    /** Asks the server to open {@code tunnel} on {@code publicPort} (0 for any). */
    CompletableFuture<TunnelOpened> open(Tunnel tunnel, int publicPort) {
        int requestId = requestIds.incrementAndGet();
        CompletableFuture<TunnelOpened> result = handler.expect(requestId, tunnel);
        channel.writeAndFlush(new OpenTunnel(requestId, publicPort, tunnel.options().target(),
                String.join(",", tunnel.options().allow())))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        handler.fail(requestId, new RelayException("connection to the server lost", f.cause()));
                    }
                });
        return result;
    }

    void closeTunnel(Tunnel tunnel) {
        handler.forget(tunnel);
        if (channel.isActive()) {
            channel.writeAndFlush(new CloseTunnel(tunnel.id(), "closed by the client"));
        }
    }

    /** Says goodbye and closes; completes once the channel is closed. */
    ChannelFuture close() {
        if (channel.isActive()) {
            channel.writeAndFlush(new GoAway(ErrorCode.NORMAL, "client closing"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        return channel.closeFuture();
    }

    /** Drops the connection without a goodbye (for tests of reconnection and for heartbeat loss). */
    void abort() {
        channel.close();
    }
}
