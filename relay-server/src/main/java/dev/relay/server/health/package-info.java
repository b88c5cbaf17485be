/** Health of the data plane, for the readiness probe. */
package dev.relay.server.health;
