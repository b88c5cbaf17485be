/** The admin REST API: lists and force-closes tunnels, user connections and clients; errors as RFC 9457 problems. */
package dev.relay.server.admin;
