package dev.relay.server.hostile;

import dev.relay.client.RelayClient;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.control.ControlServer;
import dev.relay.server.tunnel.AdmissionControl;
import dev.relay.server.tunnel.AuditLog;
import dev.relay.server.tunnel.TunnelRegistry;
import java.time.Duration;
import java.util.List;
import org.springframework.util.unit.DataSize;

/**
 * A control server on 127.0.0.1 and port 0, without Spring (a copy of the e2e one, which is package-private there),
 * with a configurable client token.
 */
final class TestServer implements AutoCloseable {
    /** The token a test server accepts unless told otherwise. */
    static final String TOKEN = "hostile-test-token";

    final TunnelRegistry registry;
    final ControlServer server;
    final String token;

    private TestServer(RelayProperties properties, String token) {
        this.token = token;
        this.registry = new TunnelRegistry(new AdmissionControl(properties.limits(), properties.access()));
        registry.addListener(new AuditLog());
        this.server = new ControlServer(properties, registry);
        server.start();
    }

    static Builder builder() {
        return new Builder();
    }

    int port() {
        return server.port();
    }

    RelayClient client() {
        return clientTo(port());
    }

    /** A real client with this server's token, dialling {@code port} (the server's, or a proxy's in front of it). */
    RelayClient clientTo(int port) {
        return RelayClient.builder().server("127.0.0.1", port).token(token).reconnect(false).connect();
    }

    /** Limits that let one source address open as many user connections as fast as a load test wants. */
    static RelayProperties.Limits generousLimits() {
        return new RelayProperties.Limits(1000, 20, 100_000, 100_000, 100_000, 1_000_000, 64);
    }

    @Override
    public void close() {
        server.stop();
    }

    static final class Builder {
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration heartbeatTimeout = Duration.ofSeconds(30);
        private DataSize window = DataSize.ofMegabytes(1);
        private Duration authFailureDelay = Duration.ofMillis(100);
        private Duration drainTimeout = Duration.ofSeconds(5);
        private String token = TOKEN;
        private RelayProperties.Limits limits = new RelayProperties.Limits(1000, 20, 20000, 10000, 1000, 10_000, 64);

        Builder handshakeTimeout(Duration d) {
            handshakeTimeout = d;
            return this;
        }

        Builder heartbeat(Duration interval, Duration timeout) {
            heartbeatInterval = interval;
            heartbeatTimeout = timeout;
            return this;
        }

        Builder window(DataSize size) {
            window = size;
            return this;
        }

        Builder limits(RelayProperties.Limits l) {
            limits = l;
            return this;
        }

        Builder drainTimeout(Duration d) {
            drainTimeout = d;
            return this;
        }

        Builder token(String t) {
            token = t;
            return this;
        }

        Builder authFailureDelay(Duration d) {
            authFailureDelay = d;
            return this;
        }

        TestServer start() {
            return new TestServer(new RelayProperties(
                    new RelayProperties.Control(0, "127.0.0.1", handshakeTimeout, heartbeatInterval, heartbeatTimeout,
                            DataSize.ofKilobytes(64), window, window),
                    new RelayProperties.Public("localhost", "127.0.0.1", "", Duration.ZERO, Duration.ZERO),
                    new RelayProperties.Auth(RelayProperties.Auth.Mode.TOKEN, List.of(token), null, authFailureDelay),
                    new RelayProperties.Tls(null, null),
                    new RelayProperties.Shutdown(drainTimeout), limits,
                    new RelayProperties.Access(List.of(), List.of())), token);
        }
    }
}
