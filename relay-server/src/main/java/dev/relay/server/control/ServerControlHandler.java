package dev.relay.server.control;

import dev.relay.protocol.CloseTunnel;
import dev.relay.protocol.Frame;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.OpenTunnel;
import dev.relay.protocol.ProtocolException;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.stream.ControlErrors;
import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.server.tunnel.ClientSession;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Dispatches a handshaken client's frames to its session and streams. */
final class ServerControlHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ServerControlHandler.class);

    private final ClientSession session;
    private final ControlCounters counters;

    ServerControlHandler(ClientSession session, ControlCounters counters) {
        this.session = session;
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Frame frame = (Frame) msg;
        if (session.streams().handle(frame)) {
            return;
        }
        if (frame instanceof StreamAccept accept) {
            StreamEndpoint stream = session.streams().get(accept.streamId());
            if (stream != null) {
                stream.open(accept.window());
            } else if (accept.streamId() >= session.streams().nextStreamId()) {
                throw new ProtocolException("STREAM_ACCEPT for stream " + accept.streamId() + ", never opened");
            }
        } else if (frame instanceof OpenTunnel open) {
            session.openTunnel(open);
        } else if (frame instanceof CloseTunnel close) {
            session.closeTunnel(close.tunnelId(), close.reason());
        } else if (frame instanceof GoAway goAway) {
            log.info("{} client {} is going away: {} {}", ctx.channel(), session.id(), goAway.code(),
                    goAway.reason());
            session.saidGoodbye();
            ctx.close();
        } else {
            ReferenceCountUtil.release(msg);
            throw new ProtocolException(frame.type() + " is not allowed from a client after the handshake");
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.streams().writabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.closed("client disconnected");
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ControlErrors.close(ctx, cause, log, counters::protocolError);
    }
}
