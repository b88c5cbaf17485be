/** Micrometer meters over the tunnel registry: clients, tunnels, user connections and bytes relayed. */
package dev.relay.server.metrics;
