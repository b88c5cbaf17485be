/** The relay wire format: frames, their codec, protocol constants and flow-control window accounting. */
package dev.relay.protocol;
