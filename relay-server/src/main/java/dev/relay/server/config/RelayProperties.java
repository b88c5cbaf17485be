package dev.relay.server.config;

import static java.util.Objects.requireNonNull;

import dev.relay.protocol.Frames;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
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
public record RelayProperties(@Valid @DefaultValue Control control, @Valid @DefaultValue @Name("public") Public publicPorts) {

    public RelayProperties {
        requireNonNull(control, "control");
        requireNonNull(publicPorts, "publicPorts");
    }

    /** The control port that relay clients dial. */
    public record Control(
            @DefaultValue("7835") @Min(0) @Max(65535) int port,
            @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
            @DefaultValue("10s") Duration handshakeTimeout,
            @DefaultValue("10s") Duration heartbeatInterval,
            @DefaultValue("30s") Duration heartbeatTimeout,
            @DefaultValue("64KB") DataSize maxFrameSize,
            @DefaultValue("1MB") DataSize streamWindow) {

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
        }
    }

    /**
     * The public side: the host advertised in tunnel addresses, the interface public ports bind to, and the range
     * they are taken from ({@code low-high}; empty for any free port).
     */
    public record Public(
            @DefaultValue("localhost") @NotBlank String host,
            @DefaultValue("0.0.0.0") @NotBlank String bindAddress,
            @DefaultValue("") String portRange) {

        public Public {
            PortRange.parse(portRange);
        }

        /** The configured range, or {@code null} for any free port. */
        public PortRange range() {
            return PortRange.parse(portRange);
        }
    }

    private static void positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
