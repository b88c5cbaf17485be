package dev.relay.server.config;

import static java.util.Objects.requireNonNull;

import dev.relay.protocol.Frames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.bind.Name;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Everything the relay server can be told, under {@code relay.*}. Bound once at start-up; a bad value stops
 * start-up with a message naming the property.
 */
@ConfigurationProperties("relay")
@Validated
public record RelayProperties(
        @Valid @DefaultValue Control control,
        @Valid @DefaultValue @Name("public") Public publicPorts,
        @Valid @DefaultValue Auth auth,
        @Valid @DefaultValue Tls tls,
        @Valid @DefaultValue Shutdown shutdown,
        @Valid @DefaultValue Limits limits,
        @Valid @DefaultValue Access access) {

    public RelayProperties {
        requireNonNull(limits, "limits");
        requireNonNull(access, "access");
        requireNonNull(shutdown, "shutdown");
        requireNonNull(control, "control");
        requireNonNull(publicPorts, "publicPorts");
        requireNonNull(auth, "auth");
        requireNonNull(tls, "tls");
    }

    /** The control port that relay clients dial. */
    public record Control(
            @DefaultValue("7835") @Min(0) @Max(65535) int port,
            @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
            @DefaultValue("10s") Duration handshakeTimeout,
            @DefaultValue("10s") Duration heartbeatInterval,
            @DefaultValue("30s") Duration heartbeatTimeout,
            @DefaultValue("64KB") DataSize maxFrameSize,
            @DefaultValue("4MB") DataSize streamWindow,
            @DefaultValue("16MB") DataSize maxStreamWindow) {

        public Control {
            positive("relay.control.handshake-timeout", handshakeTimeout);
            positive("relay.control.heartbeat-interval", heartbeatInterval);
            positive("relay.control.heartbeat-timeout", heartbeatTimeout);
            if (heartbeatTimeout.compareTo(heartbeatInterval) <= 0) {
                throw new IllegalArgumentException("relay.control.heartbeat-timeout: " + heartbeatTimeout
                        + " (expected: > relay.control.heartbeat-interval, " + heartbeatInterval + ")");
            }
            long frame = maxFrameSize.toBytes();
            if (frame < Frames.MIN_MAX_FRAME_LENGTH || frame > 16 * 1024 * 1024) {
                throw new IllegalArgumentException("relay.control.max-frame-size: " + maxFrameSize
                        + " (expected: 16KB-16MB)");
            }
            long window = streamWindow.toBytes();
            if (window < 1024 || window > Frames.MAX_WINDOW) {
                throw new IllegalArgumentException("relay.control.stream-window: " + streamWindow
                        + " (expected: 1KB-" + Frames.MAX_WINDOW + "B)");
            }
            if (maxStreamWindow.toBytes() < window || maxStreamWindow.toBytes() > Frames.MAX_WINDOW) {
                throw new IllegalArgumentException("relay.control.max-stream-window: " + maxStreamWindow
                        + " (expected: relay.control.stream-window (" + streamWindow + ") to " + Frames.MAX_WINDOW
                        + "B)");
            }
        }
    }

    /**
     * The public side: the host advertised in tunnel addresses, the interface public ports bind to, the range they
     * are taken from ({@code low-high}; empty for any free port), and how long a lost client's ports stay reserved
     * for it to reconnect.
     */
    public record Public(
            @DefaultValue("localhost") @NotBlank String host,
            @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
            @DefaultValue("") String portRange,
            @DefaultValue("30s") Duration reservationGrace,
            @DefaultValue("0s") Duration idleTimeout) {

        public Public {
            PortRange.parse(portRange);
            if (reservationGrace == null || reservationGrace.isNegative()) {
                throw new IllegalArgumentException("relay.public.reservation-grace: " + reservationGrace
                        + " (expected: >= 0)");
            }
            if (idleTimeout == null || idleTimeout.isNegative()) {
                throw new IllegalArgumentException("relay.public.idle-timeout: " + idleTimeout
                        + " (expected: >= 0, 0 for none)");
            }
        }

        /** The configured range, or {@code null} for any free port. */
        public PortRange range() {
            return PortRange.parse(portRange);
        }
    }

    /**
     * How clients prove who they are. {@code token} (the default) accepts a client whose handshake carries one of
     * {@code tokens} or of the lines of {@code tokens-file}; {@code none} accepts anyone and must be chosen explicitly.
     * A refused client is answered only after {@code failure-delay}, so tokens cannot be guessed fast.
     */
    public record Auth(
            @DefaultValue("token") Mode mode,
            @DefaultValue List<String> tokens,
            Path tokensFile,
            @DefaultValue("1s") Duration failureDelay) {

        public Auth {
            requireNonNull(mode, "relay.auth.mode");
            tokens = tokens == null ? List.of() : tokens.stream().map(String::trim).filter(t -> !t.isEmpty()).toList();
            if (tokensFile != null && !Files.isReadable(tokensFile)) {
                throw new IllegalArgumentException("relay.auth.tokens-file: " + tokensFile
                        + " (expected: a readable file with one token per line)");
            }
            if (failureDelay == null || failureDelay.isNegative()) {
                throw new IllegalArgumentException("relay.auth.failure-delay: " + failureDelay + " (expected: >= 0)");
            }
        }

        /** The ways of admitting clients. */
        public enum Mode { TOKEN, NONE }
    }

    /**
     * TLS on the control port: a PEM certificate chain and its PEM (PKCS#8) private key. Both or neither; with
     * neither the control port speaks plain TCP.
     */
    public record Tls(Path certificate, Path privateKey) {
        public Tls {
            if ((certificate == null) != (privateKey == null)) {
                throw new IllegalArgumentException(certificate == null
                        ? "relay.tls.certificate: not set (expected: set together with relay.tls.private-key)"
                        : "relay.tls.private-key: not set (expected: set together with relay.tls.certificate)");
            }
            readable("relay.tls.certificate", certificate);
            readable("relay.tls.private-key", privateKey);
        }

        public boolean enabled() {
            return certificate != null;
        }

        private static void readable(String name, Path file) {
            if (file != null && !Files.isReadable(file)) {
                throw new IllegalArgumentException(name + ": " + file + " (expected: a readable PEM file)");
            }
        }
    }

    /**
     * Graceful shutdown: the server stops accepting clients and users, tells clients it is going away, lets open user
     * connections finish for up to {@code drain-timeout}, then closes the rest.
     */
    public record Shutdown(@DefaultValue("30s") Duration drainTimeout) {
        public Shutdown {
            if (drainTimeout == null || drainTimeout.isNegative()) {
                throw new IllegalArgumentException("relay.shutdown.drain-timeout: " + drainTimeout
                        + " (expected: >= 0)");
            }
        }
    }

    /**
     * Bounds on every resource a client or a user can take. Over a limit a user connection is closed at once and
     * counted by reason; a client gets a refusal it prints.
     */
    public record Limits(
            @DefaultValue("1000") @Min(1) int maxClients,
            @DefaultValue("20") @Min(1) int maxTunnelsPerClient,
            @DefaultValue("20000") @Min(1) int maxConnections,
            @DefaultValue("10000") @Min(1) int maxConnectionsPerTunnel,
            @DefaultValue("1000") @Min(1) int maxConnectionsPerIp,
            @DefaultValue("200") @Min(1) int connectRatePerIp,
            @DefaultValue("64") @Min(1) int maxPendingHandshakes) {
    }

    /**
     * Which source addresses may connect to public ports: CIDR blocks, IPv4 or IPv6 ({@code 10.0.0.0/8},
     * {@code 2001:db8::/32}, or one address). Deny wins over allow; an empty allow list allows everyone not denied.
     */
    public record Access(@DefaultValue List<String> allow, @DefaultValue List<String> deny) {
        public Access {
            allow = allow == null ? List.of() : List.copyOf(allow);
            deny = deny == null ? List.of() : List.copyOf(deny);
            checkCidrs("relay.access.allow", allow);
            checkCidrs("relay.access.deny", deny);
        }

        private static void checkCidrs(String name, List<String> cidrs) {
            for (String c : cidrs) {
                try {
                    new org.springframework.security.web.util.matcher.IpAddressMatcher(c.trim());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(name + ": '" + c + "' (expected: an IP address or CIDR block,"
                            + " e.g. 10.0.0.0/8 or 2001:db8::/32)", e);
                }
            }
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
