package dev.relay.protocol.transport;

import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.List;

/** A NIO server channel whose accepted connections are {@link HalfClosingNioSocketChannel}s. */
public final class HalfClosingNioServerSocketChannel extends NioServerSocketChannel {
    private static final InternalLogger log =
            InternalLoggerFactory.getInstance(HalfClosingNioServerSocketChannel.class);

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
        SocketChannel accepted = javaChannel().accept();
        if (accepted == null) {
            return 0;
        }
        try {
            buf.add(new HalfClosingNioSocketChannel(this, accepted));
            return 1;
        } catch (RuntimeException e) {
            // As NioServerSocketChannel does: the listener stays up, the one connection is dropped.
            log.warn("Failed to create a channel for an accepted socket", e);
            try {
                accepted.close();
            } catch (IOException closeFailed) {
                e.addSuppressed(closeFailed);
            }
            return 0;
        }
    }
}
