package dev.relay.server.admin;

import dev.relay.server.tunnel.Tunnel;
import java.time.Instant;
import java.util.List;

/** A tunnel as the admin API shows it. Field names are API: rename nothing. */
public record TunnelResponse(int id, int publicPort, String publicAddress, String clientId, String clientAddress,
        String target, Instant openedAt, int activeConnections, long totalConnections, long bytesIn, long bytesOut,
        List<String> allow) {

    static TunnelResponse from(Tunnel.Info info) {
        return new TunnelResponse(info.id(), info.publicPort(), info.publicAddress(), info.clientId(),
                Addresses.display(info.clientAddress()), info.target(), info.openedAt(), info.activeConnections(),
                info.totalConnections(), info.bytesIn(), info.bytesOut(), info.allow());
    }
}
