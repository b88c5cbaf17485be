package dev.relay.server.e2e;

import dev.relay.client.RelayClient;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.control.ControlServer;
import dev.relay.server.tunnel.AdmissionControl;
import dev.relay.server.tunnel.AuditLog;
import dev.relay.server.tunnel.TunnelRegistry;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/**
 * A control server on 127.0.0.1 and port 0, without Spring, for end-to-end tests of the data plane (and, through
 * {@link #hostileBuilder()}, for the hostile suite), with a configurable client token.
 */
public final class TestServer implements AutoCloseable {
    public final TunnelRegistry registry;
    public final ControlServer server;
    /** The token this server accepts. */
    public final String token;

    private TestServer(RelayProperties properties, String token) {
        this.token = token;
        this.registry = new TunnelRegistry(new AdmissionControl(properties.limits(), properties.access()));
        registry.addListener(new AuditLog());
        this.server = new ControlServer(properties, registry);
        server.start();
    }

    public static TestServer start() {
        return builder().start();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A builder with the settings the hostile suite runs with: its own token ({@link #HOSTILE_TOKEN}), a fixed 1 MiB
     * stream window, no reservation grace (a tunnel's port is freed as soon as its client goes) and a 100 ms delay
     * after a failed authentication.
     */
    public static Builder hostileBuilder() {
        return new Builder().token(HOSTILE_TOKEN).window(DataSize.ofMegabytes(1)).reservationGrace(Duration.ZERO)
                .authFailureDelay(Duration.ofMillis(100));
    }

    public int port() {
        return server.port();
    }

    /** The token a test server accepts unless told otherwise. */
    public static final String TOKEN = "test-token";

    /** The token a {@link #hostileBuilder()} server accepts unless told otherwise. */
    public static final String HOSTILE_TOKEN = "hostile-test-token";

    public RelayClient client() {
        return clientTo(port());
    }

    /** A real client with this server's token, dialling {@code port} (the server's, or a proxy's in front of it). */
    public RelayClient clientTo(int port) {
        return RelayClient.builder().server("127.0.0.1", port).token(token).reconnect(false).connect();
    }

    /** Limits that let one source address open as many user connections as fast as a load test wants. */
    public static RelayProperties.Limits generousLimits() {
        return new RelayProperties.Limits(1000, 20, 100_000, 100_000, 100_000, 1_000_000, 64);
    }

    @Override
    public void close() {
        server.stop();
    }

    public static final class Builder {
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
        private String token = TOKEN;
        private RelayProperties.Limits limits = new RelayProperties.Limits(1000, 20, 20000, 10000, 1000, 10_000, 64);
        private RelayProperties.Access access = new RelayProperties.Access(java.util.List.of(), java.util.List.of());

        public Builder handshakeTimeout(Duration d) {
            handshakeTimeout = d;
            return this;
        }

        public Builder userIdleTimeout(Duration d) {
            userIdleTimeout = d;
            return this;
        }

        public Builder heartbeat(Duration interval, Duration timeout) {
            heartbeatInterval = interval;
            heartbeatTimeout = timeout;
            return this;
        }

        /** A fixed stream window: it does not grow with the path. */
        public Builder window(DataSize size) {
            window = size;
            maxWindow = size;
            return this;
        }

        public Builder portRange(String range) {
            portRange = range;
            return this;
        }

        public Builder tls(java.nio.file.Path certificate, java.nio.file.Path privateKey) {
            tls = new RelayProperties.Tls(certificate, privateKey);
            return this;
        }

        public Builder limits(RelayProperties.Limits l) {
            limits = l;
            return this;
        }

        public Builder access(RelayProperties.Access a) {
            access = a;
            return this;
        }

        public Builder controlPort(int port) {
            controlPort = port;
            return this;
        }

        public Builder reservationGrace(Duration d) {
            reservationGrace = d;
            return this;
        }

        public Builder drainTimeout(Duration d) {
            drainTimeout = d;
            return this;
        }

        public Builder token(String t) {
            token = t;
            return this;
        }

        public Builder authFailureDelay(Duration d) {
            authFailureDelay = d;
            return this;
        }

        public TestServer start() {
            return new TestServer(new RelayProperties(
                    new RelayProperties.Control(controlPort, "127.0.0.1", handshakeTimeout, heartbeatInterval, heartbeatTimeout,
                            maxFrame, window, maxWindow),
                    new RelayProperties.Public("localhost", "127.0.0.1", portRange, reservationGrace, userIdleTimeout),
                    new RelayProperties.Auth(RelayProperties.Auth.Mode.TOKEN, java.util.List.of(token), null,
                            authFailureDelay),
                    tls,
                    new RelayProperties.Shutdown(drainTimeout), limits, access), token);
        }
    }
}
