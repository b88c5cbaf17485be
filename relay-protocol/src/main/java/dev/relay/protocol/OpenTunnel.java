package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/**
 * Asks the server for a public port. {@code requestedPort} 0 means any port; {@code target} is the local
 * address as the client names it, shown to operators only.
 */
public record OpenTunnel(int requestId, int requestedPort, String target) implements Frame {
    public OpenTunnel {
        requireNonNull(target, "target");
        if (requestedPort < 0 || requestedPort > 0xFFFF) {
            throw new IllegalArgumentException("requestedPort: " + requestedPort + " (expected: 0-65535)");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.OPEN_TUNNEL;
    }
}
