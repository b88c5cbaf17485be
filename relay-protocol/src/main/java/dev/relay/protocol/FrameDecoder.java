package dev.relay.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Turns one length-stripped frame body into a {@link Frame}. Framing itself is Netty's
 * {@code LengthFieldBasedFrameDecoder}; see {@link FrameEncoder#newFramer(int)}.
 */
public final class FrameDecoder extends MessageToMessageDecoder<ByteBuf> {
    public FrameDecoder() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf body, List<Object> out) {
        out.add(FrameCodec.decode(body));
    }
}
