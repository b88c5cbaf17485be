package dev.relay.protocol;

/** Why a control connection is closed; carried by {@link GoAway}. */
public enum ErrorCode {
    /** An orderly close: the client stops or the server shuts down. */
    NORMAL(0),
    /** The peer sent something the protocol does not allow. */
    PROTOCOL_ERROR(1),
    /** The peer speaks a protocol version this side does not. */
    UNSUPPORTED_VERSION(2),
    /** The credentials in {@link Hello} were refused. */
    AUTHENTICATION_FAILED(3),
    /** The handshake did not complete in time. */
    HANDSHAKE_TIMEOUT(4),
    /** The peer sent no frame within the heartbeat timeout. */
    HEARTBEAT_TIMEOUT(5),
    /** The server is shutting down. */
    SHUTDOWN(6),
    /** An operator disconnected the client; it should not reconnect on its own. */
    CLOSED_BY_OPERATOR(7),
    /** The server is at a limit (clients, handshakes); trying again later may work. */
    OVERLOADED(8),
    /** A code this version does not know. */
    UNKNOWN(-1);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ErrorCode of(int code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return UNKNOWN;
    }
}
