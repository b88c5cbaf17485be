package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/**
 * The client's first frame: the protocol version it speaks, its credentials, the largest frame it accepts, a
 * free-form agent name for the server's logs, and the identity of the client instance. The identity stays the same
 * across the client's reconnections, so that the server can give it back the ports it had.
 */
public record Hello(int version, String token, int maxFrameLength, String agent, String identity) implements Frame {
    public Hello {
        requireNonNull(token, "token");
        requireNonNull(agent, "agent");
        requireNonNull(identity, "identity");
    }

    @Override
    public FrameType type() {
        return FrameType.HELLO;
    }
}
