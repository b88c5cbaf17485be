/** The control-connection acceptor: pipeline, handshake, dispatch, and its Spring lifecycle. */
package dev.relay.server.control;
