package dev.relay.server.health;

import static java.util.Objects.requireNonNull;

import dev.relay.server.control.ControlServer;
import dev.relay.server.tunnel.TunnelRegistry;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * {@code controlServer}: UP while the control port is bound, DOWN otherwise. It belongs in the readiness group
 * only: a relay that cannot take clients should get no traffic, but restarting it (liveness) would not help a
 * failed bind.
 */
@Component
public class ControlServerHealthIndicator extends AbstractHealthIndicator {
    private final ControlServer server;
    private final TunnelRegistry registry;

    public ControlServerHealthIndicator(ControlServer server, TunnelRegistry registry) {
        super("control server health check failed");
        this.server = requireNonNull(server, "server");
        this.registry = requireNonNull(registry, "registry");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        if (server.isRunning()) {
            builder.up();
        } else {
            builder.down();
        }
        builder.withDetail("port", server.port())
                .withDetail("tls", server.isTls())
                .withDetail("clients", registry.clientCount())
                .withDetail("tunnels", registry.tunnelCount());
    }
}
