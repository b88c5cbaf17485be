package dev.relay.client;

import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.protocol.stream.StreamSocketHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Dials the local target for each stream, on the control channel's event loop, so that the stream and both of its
 * sockets are touched by one thread. The socket starts with reading off; the stream turns it on when it may send.
 */
final class LocalTargetDialer {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final Bootstrap bootstrap;

    LocalTargetDialer(EventLoop loop) {
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
    }

    void dial(StreamEndpoint stream, String host, int port) {
        Bootstrap b = bootstrap.clone().handler(new StreamSocketHandler(stream));
        b.connect(host, port).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                stream.reset("cannot reach " + host + ":" + port + ": " + f.cause().getMessage(), true);
                return;
            }
            if (stream.isClosed()) {
                f.channel().close();
                return;
            }
            // Accept before attaching: the accept must precede the first data frame of the stream.
            stream.sendAccept();
            stream.attach(f.channel());
        });
    }
}
