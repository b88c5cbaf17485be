/** The relay server application. */
package dev.relay.server;
