package dev.relay.server.e2e;

import dev.relay.client.RelayClient;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.control.ControlServer;
import dev.relay.server.tunnel.AdmissionControl;
import dev.relay.server.tunnel.AuditLog;
import dev.relay.server.tunnel.TunnelRegistry;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/** A control server on 127.0.0.1 and port 0, without Spring, for end-to-end tests of the data plane. */
final class TestServer implements AutoCloseable {
    final TunnelRegistry registry;
    final ControlServer server;

    private TestServer(RelayProperties properties) {
        this.registry = new TunnelRegistry(new AdmissionControl(properties.limits(), properties.access()));
        registry.addListener(new AuditLog());
        this.server = new ControlServer(properties, registry);
        server.start();
    }

    static TestServer start() {
        return builder().start();
    }

    static Builder builder() {
        return new Builder();
    }

    int port() {
        return server.port();
    }

    /** The token every test server accepts. */
    static final String TOKEN = "test-token";

    RelayClient client() {
        return RelayClient.builder().server("127.0.0.1", port()).token(TOKEN).reconnect(false).connect();
    }

    @Override
    public void close() {
        server.stop();
    }

    static final class Builder {
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration heartbeatTimeout = Duration.ofSeconds(30);
        private DataSize maxFrame = DataSize.ofKilobytes(64);
        private DataSize window = DataSize.ofMegabytes(1);
        private DataSize maxWindow = DataSize.ofMegabytes(16);
        private String portRange = "";
        private RelayProperties.Tls tls = new RelayProperties.Tls(null, null);
        private Duration authFailureDelay = Duration.ofMillis(200);
        private Duration drainTimeout = Duration.ofSeconds(5);
        private Duration reservationGrace = Duration.ofSeconds(30);
        private Duration userIdleTimeout = Duration.ZERO;
        private int controlPort;
        private RelayProperties.Limits limits = new RelayProperties.Limits(1000, 20, 20000, 10000, 1000, 10_000, 64);
        private RelayProperties.Access access = new RelayProperties.Access(java.util.List.of(), java.util.List.of());

        Builder handshakeTimeout(Duration d) {
            handshakeTimeout = d;
            return this;
        }

        Builder userIdleTimeout(Duration d) {
            userIdleTimeout = d;
            return this;
        }

        Builder heartbeat(Duration interval, Duration timeout) {
            heartbeatInterval = interval;
            heartbeatTimeout = timeout;
            return this;
        }

        /** A fixed stream window: it does not grow with the path. */
        Builder window(DataSize size) {
            window = size;
            maxWindow = size;
            return this;
        }

        Builder portRange(String range) {
            portRange = range;
            return this;
        }

        Builder tls(java.nio.file.Path certificate, java.nio.file.Path privateKey) {
            tls = new RelayProperties.Tls(certificate, privateKey);
            return this;
        }

        Builder limits(RelayProperties.Limits l) {
            limits = l;
            return this;
        }

        Builder access(RelayProperties.Access a) {
            access = a;
            return this;
        }

        Builder controlPort(int port) {
            controlPort = port;
            return this;
        }

        Builder reservationGrace(Duration d) {
            reservationGrace = d;
            return this;
        }

        Builder drainTimeout(Duration d) {
            drainTimeout = d;
            return this;
        }

        TestServer start() {
            return new TestServer(new RelayProperties(
                    new RelayProperties.Control(controlPort, "127.0.0.1", handshakeTimeout, heartbeatInterval, heartbeatTimeout,
                            maxFrame, window, maxWindow),
                    new RelayProperties.Public("localhost", "127.0.0.1", portRange, reservationGrace, userIdleTimeout),
                    new RelayProperties.Auth(RelayProperties.Auth.Mode.TOKEN, java.util.List.of(TOKEN), null,
                            authFailureDelay),
                    tls,
                    new RelayProperties.Shutdown(drainTimeout), limits, access));
        }
    }
}
