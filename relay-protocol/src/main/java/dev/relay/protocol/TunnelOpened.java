package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/** The server bound a public port for the {@link OpenTunnel} with the same request id. */
public record TunnelOpened(int requestId, int tunnelId, int publicPort, String publicAddress) implements Frame {
    public TunnelOpened {
        requireNonNull(publicAddress, "publicAddress");
        if (publicPort < 1 || publicPort > 0xFFFF) {
            throw new IllegalArgumentException("publicPort: " + publicPort + " (expected: 1-65535)");
        }
    }

    @Override
    public FrameType type() {
        return FrameType.TUNNEL_OPENED;
    }
}
