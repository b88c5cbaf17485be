package dev.relay.client;

import java.time.Duration;
import java.time.Instant;

/**
 * One user connection through a tunnel.
 *
 * @param tunnel        the tunnel it came through
 * @param remoteAddress the user's address as the server saw it
 * @param openedAt      when the server told this client about it
 * @param duration      how long it lasted (zero while open)
 * @param bytesFromUser bytes the user sent, written to the local target
 * @param bytesToUser   bytes the local target sent back to the user
 * @param closeReason   why it ended abnormally, or {@code null} when it ended normally or is still open
 */
public record ConnectionEvent(Tunnel tunnel, String remoteAddress, Instant openedAt, Duration duration,
        long bytesFromUser, long bytesToUser, String closeReason) {
}
