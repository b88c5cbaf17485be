/** The choice of Netty transport: native epoll where available, NIO otherwise. */
package dev.relay.protocol.transport;
