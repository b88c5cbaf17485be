package dev.relay.protocol.stream;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.ProtocolException;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.util.AttributeKey;
import java.io.IOException;
import org.slf4j.Logger;

/** How both ends handle an error on a control connection: log it once, say {@code GoAway} when it helps, close. */
public final class ControlErrors {
    private ControlErrors() {
    }

    /** Set once a connection is being closed for an error: what follows it is not heard, counted or logged. */
    private static final AttributeKey<Boolean> FAILED = AttributeKey.valueOf(ControlErrors.class, "failed");

    /**
     * Closes the control connection of {@code ctx} for {@code cause}. A protocol error (malformed, oversized or
     * out-of-state frame) is answered with a {@link GoAway} naming it before the close. Only the first error of a
     * connection counts: reading stops at once, and later errors (the rest of a burst of bad frames already read)
     * are ignored.
     *
     * @return whether this call handled the error (false if the connection was already closing)
     */
    public static boolean close(ChannelHandlerContext ctx, Throwable cause, Logger log) {
        return close(ctx, cause, log, () -> { });
    }

    /**
     * Like {@link #close(ChannelHandlerContext, Throwable, Logger)}, and runs {@code onProtocolError} (to count it)
     * before anything is said to the peer.
     */
    public static boolean close(ChannelHandlerContext ctx, Throwable cause, Logger log, Runnable onProtocolError) {
        if (!ctx.channel().isActive() || ctx.channel().attr(FAILED).setIfAbsent(Boolean.TRUE) != null) {
            return false;
        }
        ctx.channel().config().setAutoRead(false);
        ProtocolException protocolError = protocolError(cause);
        if (protocolError != null) {
            onProtocolError.run();
            log.warn("{} protocol error, closing the connection: {}", ctx.channel(), protocolError.getMessage());
            ctx.writeAndFlush(new GoAway(protocolError.code(), protocolError.getMessage()))
                    .addListener(ChannelFutureListener.CLOSE);
            return true;
        }
        if (cause instanceof IOException) {
            log.info("{} connection lost: {}", ctx.channel(), cause.toString());
        } else {
            log.warn("{} unexpected error, closing the connection", ctx.channel(), cause);
        }
        ctx.close();
        return true;
    }

    /** The protocol error behind {@code cause}, or {@code null} if it is not one. */
    public static ProtocolException protocolError(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ProtocolException p) {
                return p;
            }
            if (t instanceof TooLongFrameException) {
                return new ProtocolException("frame too long: " + t.getMessage());
            }
        }
        if (cause instanceof DecoderException) {
            return new ProtocolException("malformed frame: " + cause.getMessage());
        }
        return null;
    }
}
