package dev.relay.server.metrics;

import static java.util.Objects.requireNonNull;

import dev.relay.server.control.ControlCounters;
import dev.relay.server.tunnel.RefusalReason;
import dev.relay.server.tunnel.RegistryListener;
import dev.relay.server.tunnel.TunnelRegistry;
import dev.relay.server.tunnel.UserConnection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * The relay's meters, read from the {@link TunnelRegistry} on each scrape. Micrometer holds gauge and function
 * counter targets weakly; the registry is a singleton bean, so it stays reachable for as long as the meters do.
 * In Prometheus: {@code relay_clients_connected}, {@code relay_tunnels_active}, {@code relay_connections_active},
 * {@code relay_tunnels_opened_total}, {@code relay_connections_accepted_total},
 * {@code relay_connections_refused_total{reason=...}}, {@code relay_connection_duration_seconds} (a histogram),
 * {@code relay_data_received_bytes_total},
 * {@code relay_data_sent_bytes_total}, and {@code relay_errors_total{cause=...}} for control connections refused or
 * dropped ({@code authentication}, {@code protocol}, {@code handshake-timeout}, {@code handshake-limit},
 * {@code client-limit}).
 */
@Component
public class RelayMetrics implements MeterBinder {
    private final TunnelRegistry registry;
    private final ControlCounters counters;

    public RelayMetrics(TunnelRegistry registry, ControlCounters counters) {
        this.registry = requireNonNull(registry, "registry");
        this.counters = requireNonNull(counters, "counters");
    }

    @Override
    public void bindTo(MeterRegistry meters) {
        Gauge.builder("relay.clients.connected", registry, TunnelRegistry::clientCount)
                .description("Relay clients connected to the control port")
                .register(meters);
        Gauge.builder("relay.tunnels.active", registry, TunnelRegistry::tunnelCount)
                .description("Open tunnels (bound public ports)")
                .register(meters);
        Gauge.builder("relay.connections.active", registry, TunnelRegistry::connectionCount)
                .description("User connections open on public ports")
                .register(meters);
        FunctionCounter.builder("relay.tunnels.opened", registry, TunnelRegistry::tunnelsOpened)
                .description("Tunnels opened since start")
                .register(meters);
        FunctionCounter.builder("relay.connections.accepted", registry, TunnelRegistry::connectionsAccepted)
                .description("User connections accepted since start")
                .register(meters);
        for (RefusalReason reason : RefusalReason.values()) {
            FunctionCounter.builder("relay.connections.refused", registry, r -> r.connectionsRefused(reason))
                    .description("User connections closed at once on arrival, by reason")
                    .tag("reason", reason.tag())
                    .register(meters);
        }
        Timer duration = Timer.builder("relay.connection.duration")
                .description("How long user connections lasted")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(2))
                .register(meters);
        registry.addListener(new RegistryListener() {
            @Override
            public void connectionClosed(UserConnection.Closed connection) {
                duration.record(connection.duration());
            }
        });
        FunctionCounter.builder("relay.data.received", registry, TunnelRegistry::bytesIn)
                .description("Bytes received from users")
                .baseUnit(BaseUnits.BYTES)
                .register(meters);
        FunctionCounter.builder("relay.data.sent", registry, TunnelRegistry::bytesOut)
                .description("Bytes sent to users")
                .baseUnit(BaseUnits.BYTES)
                .register(meters);
        error(meters, "authentication", ControlCounters::authenticationFailures);
        error(meters, "protocol", ControlCounters::protocolErrors);
        error(meters, "handshake-timeout", ControlCounters::handshakeTimeouts);
        error(meters, "handshake-limit", ControlCounters::handshakesRefused);
        error(meters, "client-limit", ControlCounters::clientsRefused);
    }

    private void error(MeterRegistry meters, String cause, ToDoubleFunction<ControlCounters> count) {
        FunctionCounter.builder("relay.errors", counters, count)
                .description("Control connections refused or closed for an error, by cause")
                .tag("cause", cause)
                .register(meters);
    }
}
