/** The stream multiplexer both ends share: per-stream flow control between a TCP socket and the control connection. */
package dev.relay.protocol.stream;
