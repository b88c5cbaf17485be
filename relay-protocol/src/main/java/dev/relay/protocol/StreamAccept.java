package dev.relay.protocol;

/**
 * The client reached the local target of a {@link StreamOpen}. {@code window} is how many bytes the server may send
 * on this stream before it receives a {@link WindowUpdate}.
 */
public record StreamAccept(int streamId, int window) implements Frame {
    public StreamAccept {
        Frames.checkStreamId(streamId);
        Frames.checkWindow(window);
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_ACCEPT;
    }
}
