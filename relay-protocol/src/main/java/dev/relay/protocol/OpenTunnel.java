package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/**
 * Asks the server for a public port. {@code requestedPort} 0 means any port; {@code target} is the local
 * address as the client names it, shown to operators only; {@code allow} is a comma-separated list of CIDR blocks
 * that alone may connect to the tunnel (empty: whoever the server allows), which narrows the server's own policy
 * and never widens it.
 */
public record OpenTunnel(int requestId, int requestedPort, String target, String allow) implements Frame {
    /** A request without a tunnel allow list. */
    public OpenTunnel(int requestId, int requestedPort, String target) {
        this(requestId, requestedPort, target, "");
    }

    public OpenTunnel {
        requireNonNull(target, "target");
        requireNonNull(allow, "allow");
        if (requestedPort < 0 || requestedPort > 0xFFFF) {
            throw new IllegalArgumentException("requestedPort: " + requestedPort + " (expected: 0-65535)");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.OPEN_TUNNEL;
    }
}
