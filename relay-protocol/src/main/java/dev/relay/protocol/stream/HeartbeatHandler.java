package dev.relay.protocol.stream;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Ping;
import dev.relay.protocol.Pong;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a control connection honest. Sits behind an {@code IdleStateHandler}: when nothing was written for the
 * heartbeat interval it sends a {@link Ping}; when nothing was read for the heartbeat timeout the peer is taken for
 * dead and the connection closes. Answers every {@link Ping} with a {@link Pong}.
 */
public final class HeartbeatHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(HeartbeatHandler.class);

    /** The smallest round trip seen, as BBR's min_rtt: queueing only ever adds to a sample. 0 while unknown. */
    private volatile long minRttNanos;

    /** The connection's round-trip time in nanoseconds, from pings; 0 until the first pong. */
    public long rttNanos() {
        return minRttNanos;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        // A first ping measures the round trip, which stream windows use to size themselves to the path.
        ctx.writeAndFlush(new Ping(System.nanoTime()));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Ping ping) {
            ctx.writeAndFlush(new Pong(ping.payload()));
            return;
        }
        if (msg instanceof Pong pong) {
            long rtt = System.nanoTime() - pong.payload();
            if (rtt > 0 && (minRttNanos == 0 || rtt < minRttNanos)) {
                minRttNanos = rtt;
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent idle) {
            if (idle.state() == IdleState.WRITER_IDLE) {
                ctx.writeAndFlush(new Ping(System.nanoTime()));
            } else if (idle.state() == IdleState.READER_IDLE) {
                log.warn("{} heartbeat timeout: nothing received from the peer, closing", ctx.channel());
                ctx.writeAndFlush(new GoAway(ErrorCode.HEARTBEAT_TIMEOUT, "heartbeat timeout"))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            return;
        }
        super.userEventTriggered(ctx, evt);
    }
}
