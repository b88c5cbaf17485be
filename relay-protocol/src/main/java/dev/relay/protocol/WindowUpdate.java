package dev.relay.protocol;

/** Returns {@code increment} bytes of send credit for a stream: the receiver has written them out. */
public record WindowUpdate(int streamId, int increment) implements Frame {
    public WindowUpdate {
        Frames.checkStreamId(streamId);
        if (increment <= 0) {
            throw new IllegalArgumentException("increment: " + increment + " (expected: > 0)");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.WINDOW_UPDATE;
    }
}
