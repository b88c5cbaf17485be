package dev.relay.protocol;

/**
 * One message on the control connection. Every frame is an immutable record; only {@link StreamData}
 * holds a buffer and is therefore reference counted.
 */
public sealed interface Frame permits Hello, Welcome, OpenTunnel, TunnelOpened, TunnelRefused, CloseTunnel,
        StreamOpen, StreamAccept, StreamData, StreamHalfClose, StreamReset, WindowUpdate, Ping, Pong, GoAway {

    /** The type code written on the wire. */
    FrameType type();
}
