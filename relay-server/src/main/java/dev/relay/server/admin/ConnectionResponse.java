package dev.relay.server.admin;

import dev.relay.server.tunnel.UserConnection;
import java.time.Instant;

/**
 * A user connection as the admin API shows it: {@code bytesIn} came from the user, {@code bytesOut} went to the
 * user. Field names are API: rename nothing.
 */
public record ConnectionResponse(long id, int tunnelId, int streamId, String remoteAddress, Instant openedAt,
        long bytesIn, long bytesOut) {

    static ConnectionResponse from(UserConnection.Info info) {
        return new ConnectionResponse(info.id(), info.tunnelId(), info.streamId(),
                Addresses.display(info.remoteAddress()), info.openedAt(), info.bytesIn(), info.bytesOut());
    }
}
