package dev.relay.protocol;

import static java.util.Objects.requireNonNull;

/**
 * Either side closes a tunnel: from the client it asks the server to release the port; from the server it tells
 * the client that the tunnel is gone (for instance closed by an operator).
 */
public record CloseTunnel(int tunnelId, String reason) implements Frame {
    public CloseTunnel {
        requireNonNull(reason, "reason");
    }

    @Override
    public FrameType type() {
        return FrameType.CLOSE_TUNNEL;
    }
}
