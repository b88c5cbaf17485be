package dev.relay.protocol;

/** The answer to a {@link Ping}. */
public record Pong(long payload) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.PONG;
    }
}
