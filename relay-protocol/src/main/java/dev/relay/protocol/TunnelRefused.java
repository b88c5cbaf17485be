package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/** The server refused the {@link OpenTunnel} with the same request id, for the reason given. */
public record TunnelRefused(int requestId, String reason) implements Frame {
    public TunnelRefused {
        requireNonNull(reason, "reason");
    }

    @Override
    public FrameType type() {
        return FrameType.TUNNEL_REFUSED;
    }
}
