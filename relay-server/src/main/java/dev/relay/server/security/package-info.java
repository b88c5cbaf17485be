/** Bearer-token security for the admin API and the actuator endpoints (all but health). */
package dev.relay.server.security;
