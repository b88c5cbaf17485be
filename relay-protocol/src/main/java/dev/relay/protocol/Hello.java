package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/**
 * The client's first frame: the protocol version it speaks, its credentials, the largest frame it accepts,
 * and a free-form agent name for the server's logs.
 */
public record Hello(int version, String token, int maxFrameLength, String agent) implements Frame {
    public Hello {
        requireNonNull(token, "token");
        requireNonNull(agent, "agent");
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }
}
