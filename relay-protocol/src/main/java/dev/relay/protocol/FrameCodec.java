package dev.relay.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * Reads and writes frame bodies: a one-byte type followed by the type's fields, big-endian. The length prefix is
 * not part of the body; {@link FrameEncoder} writes it and {@code LengthFieldBasedFrameDecoder} strips it.
 * See {@code docs/protocol.md} for the layout of every frame.
 */
public final class FrameCodec {
    private FrameCodec() {
    }

    /**
     * Decodes one whole frame body. {@link StreamData} takes a retained slice of {@code in}; the caller still owns
     * {@code in}.
     *
     * @throws ProtocolException if the body is not a well-formed frame
     */
    public static Frame decode(ByteBuf in) {
        if (!in.isReadable()) {
            throw new ProtocolException("empty frame (expected: a type byte)");
        }
        int code = in.readUnsignedByte();
        FrameType type = FrameType.of(code);
        if (type == null) {
            throw new ProtocolException("unknown frame type 0x" + Integer.toHexString(code));
        }
        Frame frame = switch (type) {
            case HELLO -> new Hello(readU16(in, type), readString(in, type), readPositiveInt(in, type, "maxFrameLength"),
                    readString(in, type), readString(in, type));
            case WELCOME -> new Welcome(readU16(in, type), readString(in, type),
                    readPositiveInt(in, type, "maxFrameLength"), readPositiveInt(in, type, "heartbeatIntervalMillis"));
            case OPEN_TUNNEL -> new OpenTunnel(readInt(in, type), readU16(in, type), readString(in, type),
                    readString(in, type));
            case TUNNEL_OPENED -> tunnelOpened(in);
            case TUNNEL_REFUSED -> new TunnelRefused(readInt(in, type), readString(in, type));
            case CLOSE_TUNNEL -> new CloseTunnel(readInt(in, type), readString(in, type));
            case STREAM_OPEN -> new StreamOpen(readStreamId(in, type), readInt(in, type),
                    readPositiveInt(in, type, "window"), readString(in, type));
            case STREAM_ACCEPT -> new StreamAccept(readStreamId(in, type), readPositiveInt(in, type, "window"));
            case STREAM_DATA -> new StreamData(readStreamId(in, type), in.readRetainedSlice(in.readableBytes()));
            case STREAM_HALF_CLOSE -> new StreamHalfClose(readStreamId(in, type));
            case STREAM_RESET -> new StreamReset(readStreamId(in, type), readString(in, type));
            case WINDOW_UPDATE -> new WindowUpdate(readStreamId(in, type), readPositiveInt(in, type, "increment"));
            case PING -> new Ping(readLong(in, type));
            case PONG -> new Pong(readLong(in, type));
            case GO_AWAY -> new GoAway(ErrorCode.of(readInt(in, type)), readString(in, type));
        };
        if (in.isReadable()) {
            int extra = in.readableBytes();
            if (frame instanceof StreamData data) {
                data.release();
            }
            throw new ProtocolException(type + " frame has " + extra + " trailing bytes");
        }
        return frame;
    }

    /** Writes the body of {@code frame} (type and fields; for {@link StreamData} the header only) to {@code out}. */
    public static void encodeHeaderAndFields(Frame frame, ByteBuf out) {
        out.writeByte(frame.type().code());
        if (frame instanceof StreamData f) {
            out.writeInt(f.streamId());
        } else if (frame instanceof WindowUpdate f) {
            out.writeInt(f.streamId());
            out.writeInt(f.increment());
        } else if (frame instanceof Hello f) {
            out.writeShort(f.version());
            writeString(out, f.token());
            out.writeInt(f.maxFrameLength());
            writeString(out, f.agent());
            writeString(out, f.identity());
        } else if (frame instanceof Welcome f) {
            out.writeShort(f.version());
            writeString(out, f.sessionId());
            out.writeInt(f.maxFrameLength());
            out.writeInt(f.heartbeatIntervalMillis());
        } else if (frame instanceof OpenTunnel f) {
            out.writeInt(f.requestId());
            out.writeShort(f.requestedPort());
            writeString(out, f.target());
            writeString(out, f.allow());
        } else if (frame instanceof TunnelOpened f) {
            out.writeInt(f.requestId());
            out.writeInt(f.tunnelId());
            out.writeShort(f.publicPort());
            writeString(out, f.publicAddress());
        } else if (frame instanceof TunnelRefused f) {
            out.writeInt(f.requestId());
            writeString(out, f.reason());
        } else if (frame instanceof CloseTunnel f) {
            out.writeInt(f.tunnelId());
            writeString(out, f.reason());
        } else if (frame instanceof StreamOpen f) {
            out.writeInt(f.streamId());
            out.writeInt(f.tunnelId());
            out.writeInt(f.window());
            writeString(out, f.remoteAddress());
        } else if (frame instanceof StreamAccept f) {
            out.writeInt(f.streamId());
            out.writeInt(f.window());
        } else if (frame instanceof StreamHalfClose f) {
            out.writeInt(f.streamId());
        } else if (frame instanceof StreamReset f) {
            out.writeInt(f.streamId());
            writeString(out, f.reason());
        } else if (frame instanceof Ping f) {
            out.writeLong(f.payload());
        } else if (frame instanceof Pong f) {
            out.writeLong(f.payload());
        } else if (frame instanceof GoAway f) {
            out.writeInt(f.code().code());
            writeString(out, f.reason());
        } else {
            throw new IllegalArgumentException("frame: " + frame.getClass().getName() + " (expected: a known frame)");
        }
    }

    private static TunnelOpened tunnelOpened(ByteBuf in) {
        int requestId = readInt(in, FrameType.TUNNEL_OPENED);
        int tunnelId = readInt(in, FrameType.TUNNEL_OPENED);
        int port = readU16(in, FrameType.TUNNEL_OPENED);
        if (port == 0) {
            throw new ProtocolException("TUNNEL_OPENED publicPort: 0 (expected: 1-65535)");
        }
        return new TunnelOpened(requestId, tunnelId, port, readString(in, FrameType.TUNNEL_OPENED));
    }

    private static void need(ByteBuf in, int bytes, FrameType type) {
        if (in.readableBytes() < bytes) {
            throw new ProtocolException(type + " frame truncated: needs " + bytes + " more bytes, has "
                    + in.readableBytes());
        }
    }

    private static int readInt(ByteBuf in, FrameType type) {
        need(in, 4, type);
        return in.readInt();
    }

    private static int readStreamId(ByteBuf in, FrameType type) {
        int id = readInt(in, type);
        if (id <= 0) {
            throw new ProtocolException(type + " streamId: " + id + " (expected: > 0)");
        }
        return id;
    }

    private static int readPositiveInt(ByteBuf in, FrameType type, String field) {
        int value = readInt(in, type);
        if (value <= 0) {
            throw new ProtocolException(type + " " + field + ": " + value + " (expected: > 0)");
        }
        return value;
    }

    private static int readU16(ByteBuf in, FrameType type) {
        need(in, 2, type);
        return in.readUnsignedShort();
    }

    private static long readLong(ByteBuf in, FrameType type) {
        need(in, 8, type);
        return in.readLong();
    }

    private static String readString(ByteBuf in, FrameType type) {
        int length = readU16(in, type);
        need(in, length, type);
        String s = in.toString(in.readerIndex(), length, StandardCharsets.UTF_8);
        in.skipBytes(length);
        return s;
    }

    private static void writeString(ByteBuf out, String s) {
        int length = ByteBufUtil.utf8Bytes(s);
        if (length > Frames.MAX_STRING_BYTES) {
            throw new IllegalArgumentException("string field: " + length + " bytes (expected: <= "
                    + Frames.MAX_STRING_BYTES + ")");
        }
        out.writeShort(length);
        ByteBufUtil.reserveAndWriteUtf8(out, s, length);
    }
}
