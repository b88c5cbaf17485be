package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/** Bytes of one stream. Reference counted: whoever takes it either forwards the data or releases it. */
public final class StreamData extends DefaultByteBufHolder implements Frame {
    private final int streamId;

    public StreamData(int streamId, ByteBuf data) {
        super(requireNonNull(data, "data"));
        Frames.checkStreamId(streamId);
        this.streamId = streamId;
    }

    public int streamId() {
        return streamId;
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_DATA;
    }

    @Override
    public StreamData replace(ByteBuf content) {
        return new StreamData(streamId, content);
    }

    @Override
    public String toString() {
        return "StreamData[streamId=" + streamId + ", bytes=" + (refCnt() > 0 ? content().readableBytes() : -1) + "]";
    }
}
