/** The server's configuration properties, bound and validated at start-up. */
package dev.relay.server.config;
