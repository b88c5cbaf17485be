package dev.relay.server.tunnel;

/** Why a user connection to a public port was closed at once; the metric tag and audit value. */
public enum RefusalReason {
    /** The tunnel was closing or closed when the connection registered. */
    TUNNEL_CLOSED("tunnel-closed"),
    /** The tunnel has {@code relay.limits.max-connections-per-tunnel} connections. */
    TUNNEL_LIMIT("tunnel-limit"),
    /** The server has {@code relay.limits.max-connections} user connections. */
    SERVER_LIMIT("server-limit"),
    /** The source address has {@code relay.limits.max-connections-per-ip} connections. */
    IP_LIMIT("ip-limit"),
    /** The source address connects faster than {@code relay.limits.connect-rate-per-ip}. */
    IP_RATE("ip-rate"),
    /** The source address is not allowed by {@code relay.access.*} or the tunnel's own list. */
    ACCESS_DENIED("access-denied");

    private final String tag;

    RefusalReason(String tag) {
        this.tag = tag;
    }

    /** The lowercase name used in metric tags and the audit log. */
    public String tag() {
        return tag;
    }
}
