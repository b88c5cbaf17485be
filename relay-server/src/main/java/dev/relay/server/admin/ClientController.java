package dev.relay.server.admin;

import static java.util.Objects.requireNonNull;

import dev.relay.server.tunnel.ClientSession;
import dev.relay.server.tunnel.TunnelRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/clients}: connected relay clients, and disconnecting one (which closes all its tunnels). */
@RestController
@RequestMapping("/api/clients")
public class ClientController {
    private static final Logger log = LoggerFactory.getLogger(ClientController.class);

    private final TunnelRegistry registry;

    public ClientController(TunnelRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    @GetMapping
    public List<ClientResponse> clients() {
        return registry.clients().stream().map(ClientResponse::from).toList();
    }

    @GetMapping("/{clientId}")
    public ClientResponse client(@PathVariable String clientId) {
        return ClientResponse.from(find(clientId).info());
    }

    /** Disconnects the client; answers once it and all its tunnels are closed. */
    @DeleteMapping("/{clientId}")
    public ResponseEntity<Void> close(@PathVariable String clientId) {
        ClientSession session = find(clientId);
        log.info("admin: disconnecting client {} ({})", clientId, session.remoteAddress());
        Closes.await("client " + clientId, () -> session.close("disconnected by an operator"));
        return ResponseEntity.noContent().build();
    }

    private ClientSession find(String clientId) {
        return registry.client(clientId).orElseThrow(() -> new ClientNotFoundException(clientId));
    }
}
