package dev.relay.server.admin;

import static java.util.Objects.requireNonNull;

import dev.relay.server.tunnel.TunnelRegistry;
import dev.relay.server.tunnel.UserConnection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/connections}: every user connection, and force-closing one. */
@RestController
@RequestMapping("/api/connections")
public class ConnectionController {
    private static final Logger log = LoggerFactory.getLogger(ConnectionController.class);

    private final TunnelRegistry registry;

    public ConnectionController(TunnelRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    @GetMapping
    public List<ConnectionResponse> connections() {
        return registry.connections().stream().map(ConnectionResponse::from).toList();
    }

    @GetMapping("/{connectionId}")
    public ConnectionResponse connection(@PathVariable long connectionId) {
        return ConnectionResponse.from(find(connectionId).info());
    }

    /** Closes the user's socket and resets its stream; answers once the connection has left the registry. */
    @DeleteMapping("/{connectionId}")
    public ResponseEntity<Void> close(@PathVariable long connectionId) {
        UserConnection connection = find(connectionId);
        log.info("admin: closing connection {} ({}) of tunnel {}", connectionId, connection.remoteAddress(),
                connection.tunnel().id());
        Closes.await("connection " + connectionId, () -> {
            CompletableFuture<Void> removed = registry.whenConnectionRemoved(connectionId);
            connection.close("closed by an operator");
            return removed;
        });
        return ResponseEntity.noContent().build();
    }

    private UserConnection find(long connectionId) {
        return registry.connection(connectionId).orElseThrow(() -> new ConnectionNotFoundException(connectionId));
    }
}
