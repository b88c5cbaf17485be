package dev.relay.protocol;

/** A heartbeat; the peer answers with a {@link Pong} carrying the same payload. */
public record Ping(long payload) implements Frame {
    @Override
    public FrameType type() {
        return FrameType.PING;
    }
}
