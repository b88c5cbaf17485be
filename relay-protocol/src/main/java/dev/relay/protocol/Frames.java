package dev.relay.protocol;

import io.netty.channel.WriteBufferWaterMark;

/** Protocol constants and the checks shared by the frame records. */
public final class Frames {
    /** The protocol version this build speaks. */
    public static final int VERSION = 2;
    /** The oldest version this build still speaks (version 1 has no early data). */
    public static final int MIN_VERSION = 1;
    /** The first version in which the server sends a stream's data before STREAM_ACCEPT (early data). */
    public static final int EARLY_DATA_VERSION = 2;
    /**
     * From version 2 on, the bytes the server may send on a new stream before the client's STREAM_ACCEPT: the user's
     * first bytes travel with STREAM_OPEN instead of one round trip later. Every client window is at least this.
     */
    public static final int EARLY_DATA_WINDOW = 16 * 1024;
    /** Bytes of the length prefix in front of every frame. */
    public static final int LENGTH_FIELD_LENGTH = 4;
    /** Bytes of a {@link StreamData} frame before its payload: type (1) and stream id (4). */
    public static final int DATA_HEADER_LENGTH = 5;
    /** Every peer accepts frames at least this long, so the handshake itself always fits. */
    public static final int MIN_MAX_FRAME_LENGTH = 16 * 1024;
    /** The largest frame body a peer accepts unless configured otherwise. */
    public static final int DEFAULT_MAX_FRAME_LENGTH = 64 * 1024;
    /** The receive window a stream starts with unless configured otherwise. */
    public static final int DEFAULT_WINDOW = 4 * 1024 * 1024;
    /** The largest window: credit is a signed 32-bit count, as in HTTP/2. */
    public static final int MAX_WINDOW = Integer.MAX_VALUE;
    /**
     * Write-buffer marks of a control connection: well above one frame, so that writability does not flap with every
     * data frame (each flap re-decides every stream's reading), and low enough that a slow connection soon stops
     * its streams from reading.
     */
    public static final WriteBufferWaterMark CONTROL_WATER_MARK = new WriteBufferWaterMark(512 * 1024, 2 * 1024 * 1024);

    /** The largest string field: its length is an unsigned 16-bit count. */
    public static final int MAX_STRING_BYTES = 0xFFFF;

    private Frames() {
    }

    static void checkStreamId(int streamId) {
        if (streamId <= 0) {
            throw new IllegalArgumentException("streamId: " + streamId + " (expected: > 0)");
        }
    }

    static void checkWindow(int window) {
        if (window <= 0) {
            throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
        }
    }

    /** The largest payload of one {@link StreamData} frame for a peer that accepts {@code maxFrameLength}. */
    public static int maxDataPayload(int maxFrameLength) {
        return maxFrameLength - DATA_HEADER_LENGTH;
    }
}
