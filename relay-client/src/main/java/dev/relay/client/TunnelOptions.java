package dev.relay.client;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a tunnel exposes and how: the local target, the public port to ask for (0 for any), and whether to send the
 * local target a PROXY protocol header with the user's real address.
 *
 * <pre>{@code
 * client.openTunnel(TunnelOptions.to("localhost", 3000).publicPort(20080).proxyProtocol(ProxyProtocol.V2));
 * }</pre>
 */
public record TunnelOptions(String localHost, int localPort, int publicPort, ProxyProtocol proxyProtocol,
        List<String> allow) {
    /** PROXY protocol headers (HAProxy's), so the local service sees the user's address instead of the client's. */
    public enum ProxyProtocol { NONE, V1, V2 }

    public TunnelOptions {
        requireNonNull(localHost, "localHost");
        requireNonNull(proxyProtocol, "proxyProtocol");
        allow = List.copyOf(requireNonNull(allow, "allow"));
        if (localPort < 1 || localPort > 0xFFFF) {
            throw new IllegalArgumentException("localPort: " + localPort + " (expected: 1-65535)");
        }
        if (publicPort < 0 || publicPort > 0xFFFF) {
            throw new IllegalArgumentException("publicPort: " + publicPort + " (expected: 0-65535, 0 for any)");
        }
    }

    /** A tunnel to {@code localHost:localPort} on any public port, without PROXY protocol. */
    public static TunnelOptions to(String localHost, int localPort) {
        return new TunnelOptions(localHost, localPort, 0, ProxyProtocol.NONE, List.of());
    }

    /** Asks for this public port (0 for any). */
    public TunnelOptions publicPort(int port) {
        return new TunnelOptions(localHost, localPort, port, proxyProtocol, allow);
    }

    public TunnelOptions proxyProtocol(ProxyProtocol protocol) {
        return new TunnelOptions(localHost, localPort, publicPort, protocol, allow);
    }

    /**
     * Lets only these source addresses reach the tunnel: CIDR blocks or single addresses, IPv4 or IPv6. The server
     * checks them, within its own access policy (it can narrow it, never widen it).
     */
    public TunnelOptions allow(List<String> cidrs) {
        return new TunnelOptions(localHost, localPort, publicPort, proxyProtocol, cidrs);
    }

    /** {@code host:port} of the local target. */
    public String target() {
        return localHost + ":" + localPort;
    }
}
