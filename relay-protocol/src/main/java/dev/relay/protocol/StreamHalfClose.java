package dev.relay.protocol;

/** The sender will send no more data on this stream (TCP FIN); the other direction stays open. */
public record StreamHalfClose(int streamId) implements Frame {
    public StreamHalfClose {
        Frames.checkStreamId(streamId);
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_HALF_CLOSE;
    }
}
