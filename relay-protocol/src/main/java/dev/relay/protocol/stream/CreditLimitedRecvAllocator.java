package dev.relay.protocol.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelConfig;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.util.UncheckedBooleanSupplier;
import java.util.function.IntSupplier;

/**
 * Sizes each socket read to at most the stream's send credit, on top of Netty's adaptive sizing. Every byte read can
 * then be sent at once, so nothing read waits on this side for credit: a stream holds at most its window.
 */
final class CreditLimitedRecvAllocator implements RecvByteBufAllocator {
    private final RecvByteBufAllocator adaptive = new AdaptiveRecvByteBufAllocator();
    private final IntSupplier credit;

    CreditLimitedRecvAllocator(IntSupplier credit) {
        this.credit = credit;
    }

    @Override
    public Handle newHandle() {
        return new LimitedHandle((ExtendedHandle) adaptive.newHandle(), credit);
    }

    /** The adaptive handle with a cap on each buffer; extended, as the native transports require. */
    private static final class LimitedHandle implements ExtendedHandle {
        private final ExtendedHandle delegate;
        private final IntSupplier credit;

        LimitedHandle(ExtendedHandle delegate, IntSupplier credit) {
            this.delegate = delegate;
            this.credit = credit;
        }

        @Override
        public ByteBuf allocate(ByteBufAllocator alloc) {
            return alloc.ioBuffer(guess());
        }

        @Override
        public int guess() {
            int c = credit.getAsInt();
            // No credit means no read is wanted; a transport that reads anyway (epoll drains a closing socket past
            // autoRead) must not be held to one byte a read, which made buffering quadratic.
            return c <= 0 ? delegate.guess() : Math.min(delegate.guess(), c);
        }

        @Override
        public void reset(ChannelConfig config) {
            delegate.reset(config);
        }

        @Override
        public void incMessagesRead(int numMessages) {
            delegate.incMessagesRead(numMessages);
        }

        @Override
        public void lastBytesRead(int bytes) {
            delegate.lastBytesRead(bytes);
        }

        @Override
        public int lastBytesRead() {
            return delegate.lastBytesRead();
        }

        @Override
        public void attemptedBytesRead(int bytes) {
            delegate.attemptedBytesRead(bytes);
        }

        @Override
        public int attemptedBytesRead() {
            return delegate.attemptedBytesRead();
        }

        @Override
        public boolean continueReading() {
            return delegate.continueReading();
        }

        @Override
        public boolean continueReading(UncheckedBooleanSupplier maybeMoreDataSupplier) {
            return delegate.continueReading(maybeMoreDataSupplier);
        }

        @Override
        public void readComplete() {
            delegate.readComplete();
        }
    }
}
