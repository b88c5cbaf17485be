package dev.relay.server.admin;

import static java.util.Objects.requireNonNull;

import dev.relay.server.tunnel.Tunnel;
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

/** {@code /api/tunnels}: open tunnels, their user connections, and force-closing a tunnel. */
@RestController
@RequestMapping("/api/tunnels")
public class TunnelController {
    private static final Logger log = LoggerFactory.getLogger(TunnelController.class);

    private final TunnelRegistry registry;

    public TunnelController(TunnelRegistry registry) {
        this.registry = requireNonNull(registry, "registry");
    }

    @GetMapping
    public List<TunnelResponse> tunnels() {
        return registry.tunnels().stream().map(TunnelResponse::from).toList();
    }

    @GetMapping("/{tunnelId}")
    public TunnelResponse tunnel(@PathVariable int tunnelId) {
        return TunnelResponse.from(find(tunnelId).info());
    }

    @GetMapping("/{tunnelId}/connections")
    public List<ConnectionResponse> connections(@PathVariable int tunnelId) {
        find(tunnelId);
        return registry.connections().stream()
                .filter(c -> c.tunnelId() == tunnelId)
                .map(ConnectionResponse::from)
                .toList();
    }

    /** Unbinds the public port and disconnects every user; answers once that is done. */
    @DeleteMapping("/{tunnelId}")
    public ResponseEntity<Void> close(@PathVariable int tunnelId) {
        Tunnel tunnel = find(tunnelId);
        log.info("admin: closing tunnel {} ({})", tunnelId, tunnel.publicAddress());
        Closes.await("tunnel " + tunnelId, () -> tunnel.close("closed by an operator"));
        return ResponseEntity.noContent().build();
    }

    private Tunnel find(int tunnelId) {
        return registry.tunnel(tunnelId).orElseThrow(() -> new TunnelNotFoundException(tunnelId));
    }
}
