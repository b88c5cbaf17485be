package dev.relay.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes a {@link Frame} with its 4-byte length prefix. A {@link StreamData} payload is not copied: the header goes
 * out as one small buffer followed by the payload itself, which the socket writes with one gathering write.
 */
@Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    /** The one encoder; it holds no state. */
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    /** The framing decoder matching this encoder: fails fast on a frame longer than {@code maxFrameLength}. */
    public static LengthFieldBasedFrameDecoder newFramer(int maxFrameLength) {
        return new LengthFieldBasedFrameDecoder(maxFrameLength + Frames.LENGTH_FIELD_LENGTH, 0,
                Frames.LENGTH_FIELD_LENGTH, 0, Frames.LENGTH_FIELD_LENGTH, true);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        if (frame instanceof StreamData data) {
            ByteBuf payload = data.content();
            ByteBuf header = ctx.alloc().ioBuffer(Frames.LENGTH_FIELD_LENGTH + Frames.DATA_HEADER_LENGTH);
            header.writeInt(Frames.DATA_HEADER_LENGTH + payload.readableBytes());
            header.writeByte(FrameType.STREAM_DATA.code());
            header.writeInt(data.streamId());
            out.add(header);
            // MessageToMessageEncoder releases the frame after encode(); the payload must outlive it.
            out.add(payload.retain());
            return;
        }
        ByteBuf buf = ctx.alloc().ioBuffer(64);
        try {
            buf.writeInt(0);
            FrameCodec.encodeHeaderAndFields(frame, buf);
        } catch (RuntimeException e) {
            // A field the wire cannot carry (a string over 65535 bytes): the buffer never reaches out, free it here.
            buf.release();
            throw e;
        }
        buf.setInt(0, buf.readableBytes() - Frames.LENGTH_FIELD_LENGTH);
        out.add(buf);
    }
}
