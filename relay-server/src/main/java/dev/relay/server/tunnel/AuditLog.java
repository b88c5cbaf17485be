package dev.relay.server.tunnel;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The audit trail: one structured event per client session, tunnel and user connection, on the logger
 * {@code relay.audit}. Each event is a message plus key-value pairs ({@code event}, ids, addresses, bytes, duration,
 * reason), which Spring Boot's structured logging writes as one JSON object a line (see {@code logback-spring.xml}).
 * Tokens are never part of it.
 */
public final class AuditLog implements RegistryListener {
    /** The logger to route (to stdout by default, to a file with the {@code audit-file} profile). */
    public static final String LOGGER = "relay.audit";

    private final Logger log = LoggerFactory.getLogger(LOGGER);

    @Override
    public void clientConnected(ClientSession.Info client) {
        event("client-connected").addKeyValue("clientId", client.id())
                .addKeyValue("remoteAddress", client.remoteAddress()).addKeyValue("agent", client.agent()).log();
    }

    @Override
    public void clientDisconnected(ClientSession.Info client, String reason, Duration duration) {
        event("client-disconnected").addKeyValue("clientId", client.id())
                .addKeyValue("remoteAddress", client.remoteAddress()).addKeyValue("durationMs", duration.toMillis())
                .addKeyValue("reason", reason).log();
    }

    @Override
    public void tunnelOpened(Tunnel.Info t) {
        event("tunnel-opened").addKeyValue("tunnelId", t.id()).addKeyValue("clientId", t.clientId())
                .addKeyValue("publicPort", t.publicPort()).addKeyValue("target", t.target()).log();
    }

    @Override
    public void tunnelClosed(Tunnel.Info t, String reason) {
        event("tunnel-closed").addKeyValue("tunnelId", t.id()).addKeyValue("clientId", t.clientId())
                .addKeyValue("publicPort", t.publicPort()).addKeyValue("connections", t.totalConnections())
                .addKeyValue("bytesIn", t.bytesIn()).addKeyValue("bytesOut", t.bytesOut())
                .addKeyValue("reason", reason).log();
    }

    @Override
    public void connectionClosed(UserConnection.Closed c) {
        event("connection-closed").addKeyValue("connectionId", c.info().id())
                .addKeyValue("tunnelId", c.info().tunnelId()).addKeyValue("clientId", c.clientId())
                .addKeyValue("sourceAddress", strip(c.info().remoteAddress()))
                .addKeyValue("bytesIn", c.info().bytesIn()).addKeyValue("bytesOut", c.info().bytesOut())
                .addKeyValue("durationMs", c.duration().toMillis()).addKeyValue("reason", c.reason()).log();
    }

    @Override
    public void connectionRefused(int tunnelId, String clientId, String remoteAddress, RefusalReason reason) {
        event("connection-refused").addKeyValue("tunnelId", tunnelId).addKeyValue("clientId", clientId)
                .addKeyValue("sourceAddress", strip(remoteAddress)).addKeyValue("reason", reason.tag()).log();
    }

    private LoggingEventBuilder event(String name) {
        return log.atInfo().setMessage(name).addKeyValue("event", name);
    }

    private static String strip(String address) {
        return address != null && address.startsWith("/") ? address.substring(1) : address;
    }
}
