/** The embeddable relay client: {@link dev.relay.client.RelayClient} and the {@link dev.relay.client.Tunnel} handle. */
package dev.relay.client;
