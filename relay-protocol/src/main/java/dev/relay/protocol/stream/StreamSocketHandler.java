package dev.relay.protocol.stream;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The handler on a stream's TCP socket (user or local target): hands what the socket reads to its
 * {@link StreamEndpoint} and reports end of input and close. The socket needs {@code ALLOW_HALF_CLOSURE} so that a
 * FIN arrives as end of input rather than as a close.
 */
public final class StreamSocketHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(StreamSocketHandler.class);

    private final StreamEndpoint endpoint;

    public StreamSocketHandler(StreamEndpoint endpoint) {
        this.endpoint = requireNonNull(endpoint, "endpoint");
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        endpoint.onSocketRead((ByteBuf) msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            endpoint.onSocketInputShutdown();
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        endpoint.onSocketClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // A peer resetting its connection is ordinary traffic on a relay, not an error of ours.
            log.debug("{} {}: {}", ctx.channel(), endpoint, cause.toString());
        } else {
            log.warn("{} {}: unexpected error, closing", ctx.channel(), endpoint, cause);
        }
        ctx.close();
    }
}
