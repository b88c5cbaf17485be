package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/** Aborts a stream in both directions (TCP RST), for the reason given. */
public record StreamReset(int streamId, String reason) implements Frame {
    public StreamReset {
        requireNonNull(reason, "reason");
        Frames.checkStreamId(streamId);
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_RESET;
    }
}
