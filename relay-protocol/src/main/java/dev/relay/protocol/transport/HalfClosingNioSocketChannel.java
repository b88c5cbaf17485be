package dev.relay.protocol.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;

/**
 * A NIO socket channel that half-closes without the work Netty spends on it per connection:
 * <ul>
 *   <li>{@link #shutdownOutputNow()} sends the FIN without Netty's {@code shutdownOutput()}, which builds a
 *       {@code ChannelOutputShutdownException} (a stack trace) on every call to fail writes that a relay never
 *       queues after its half-close. Profiling the connect-and-close benchmark put that at 7% of the client's event
 *       loop.</li>
 *   <li>When a read meets the peer's FIN, Netty (with half-closure allowed) calls {@code shutdownInput()}: a
 *       {@code shutdown(SHUT_RD)} system call that changes nothing on the wire once the FIN is in, and that fails,
 *       with an exception, when this side has sent its FIN too (the socket is then in TIME_WAIT). Here it only
 *       records that the input is done.</li>
 * </ul>
 */
public final class HalfClosingNioSocketChannel extends NioSocketChannel {
    private boolean sawEndOfInput;
    private boolean inputDone;

    /** A channel that dials out. */
    public HalfClosingNioSocketChannel() {
    }

    /** A channel for a socket that {@code parent} accepted. */
    HalfClosingNioSocketChannel(Channel parent, java.nio.channels.SocketChannel accepted) {
        super(parent, accepted);
    }

    /**
     * Shuts the output down now. The caller must have nothing left to write: call it once the last write has
     * completed, and write nothing after.
     */
    public void shutdownOutputNow() throws IOException {
        javaChannel().shutdownOutput();
    }

    @Override
    protected int doReadBytes(ByteBuf byteBuf) throws Exception {
        int read = super.doReadBytes(byteBuf);
        if (read < 0) {
            sawEndOfInput = true;
        }
        return read;
    }

    @Override
    public ChannelFuture shutdownInput() {
        if (sawEndOfInput && eventLoop().inEventLoop()) {
            inputDone = true;
            return newSucceededFuture();
        }
        return super.shutdownInput();
    }

    /** Whether the socket itself had its input shut down (for tests: Netty's view is {@link #isInputShutdown()}). */
    boolean socketInputShutDown() {
        return javaChannel().socket().isInputShutdown();
    }

    @Override
    public boolean isInputShutdown() {
        return inputDone || super.isInputShutdown();
    }
}
