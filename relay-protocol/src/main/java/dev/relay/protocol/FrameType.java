package dev.relay.protocol;

/** The one-byte type code that follows the length prefix of every frame. */
public enum FrameType {
    HELLO(0x01),
    WELCOME(0x02),
    OPEN_TUNNEL(0x03),
    TUNNEL_OPENED(0x04),
    TUNNEL_REFUSED(0x05),
    CLOSE_TUNNEL(0x06),
    STREAM_OPEN(0x10),
    STREAM_ACCEPT(0x11),
    STREAM_DATA(0x12),
    STREAM_HALF_CLOSE(0x13),
    STREAM_RESET(0x14),
    WINDOW_UPDATE(0x15),
    PING(0x20),
    PONG(0x21),
    GO_AWAY(0x30);

    private static final FrameType[] BY_CODE = new FrameType[256];

    static {
        for (FrameType t : values()) {
            BY_CODE[t.code] = t;
        }
    }

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    /** The code written on the wire. */
    public int code() {
        return code;
    }

    /** The type of a wire code, or {@code null} when the code is unknown. */
    public static FrameType of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
