package dev.relay.protocol.stream;

/** Names of the control connection's pipeline handlers, used to add and to find them. */
public final class PipelineNames {
    public static final String TLS = "tls";
    public static final String IDLE = "idle";
    public static final String FRAMER = "framer";
    public static final String FRAME_DECODER = "frameDecoder";
    public static final String FRAME_ENCODER = "frameEncoder";
    public static final String HEARTBEAT = "heartbeat";
    public static final String HANDSHAKE = "handshake";
    public static final String CONTROL = "control";

    private PipelineNames() {
    }
}
