package dev.relay.protocol.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
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
        return new DelegatingHandle(adaptive.newHandle()) {
            @Override
            public ByteBuf allocate(ByteBufAllocator alloc) {
                return alloc.ioBuffer(Math.max(1, Math.min(guess(), credit.getAsInt())));
            }
        };
    }
}
