package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/** The server's answer to an accepted {@link Hello}: the session id and the largest frame the server accepts. */
public record Welcome(int version, String sessionId, int maxFrameLength, int heartbeatIntervalMillis) implements Frame {
    public Welcome {
        requireNonNull(sessionId, "sessionId");
    }

    @Override
    public FrameType type() {
        return FrameType.WELCOME;
    }
}
