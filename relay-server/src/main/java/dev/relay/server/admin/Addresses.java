package dev.relay.server.admin;

/** Socket addresses as people write them. */
final class Addresses {
    private Addresses() {
    }

    /** Drops the leading slash an {@code InetSocketAddress} without a host name prints: {@code 203.0.113.7:51234}. */
    static String display(String address) {
        return address != null && address.startsWith("/") ? address.substring(1) : address;
    }
}
