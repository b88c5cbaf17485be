package dev.relay.server.admin;

import dev.relay.server.tunnel.ClientSession;
import java.time.Instant;
import java.util.List;

/** A connected relay client as the admin API shows it, with the ids of its tunnels. */
public record ClientResponse(String id, String remoteAddress, String agent, Instant connectedAt,
        List<Integer> tunnels) {

    static ClientResponse from(ClientSession.Info info) {
        return new ClientResponse(info.id(), Addresses.display(info.remoteAddress()), info.agent(),
                info.connectedAt(), List.copyOf(info.tunnels()));
    }
}
