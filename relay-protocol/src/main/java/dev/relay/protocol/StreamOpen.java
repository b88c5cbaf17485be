package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/**
 * The server tells the client that a user connected to a tunnel. {@code window} is how many bytes the client may
 * send on this stream before it receives a {@link WindowUpdate}.
 */
public record StreamOpen(int streamId, int tunnelId, int window, String remoteAddress) implements Frame {
    public StreamOpen {
        requireNonNull(remoteAddress, "remoteAddress");
        Frames.checkStreamId(streamId);
        Frames.checkWindow(window);
    }

    @Override
    public FrameType type() {
        return FrameType.STREAM_OPEN;
    }
}
