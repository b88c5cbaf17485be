package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/** The sender is closing the control connection, with a code and a human-readable reason. */
public record GoAway(ErrorCode code, String reason) implements Frame {
    public GoAway {
        requireNonNull(code, "code");
        requireNonNull(reason, "reason");
    }

    @Override
    public FrameType type() {
        return FrameType.GO_AWAY;
    }
}
