/** The relay client's command line. */
package dev.relay.client.cli;
