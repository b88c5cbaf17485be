/** Tunnels, their public listeners and user connections, and the registry the admin API reads. */
package dev.relay.server.tunnel;
