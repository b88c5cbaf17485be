package dev.relay.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Random;

/** Generators of frames and frame-shaped bodies for the property tests (after those of {@code FrameFuzzTest}). */
final class FrameFuzz {
    private static final FrameType[] TYPES = FrameType.values();

    private FrameFuzz() {
    }

    /** A valid frame of any type whose body fits {@code maxFrameLength}. */
    static Frame randomFrame(Random random, int maxFrameLength) {
        return switch (TYPES[random.nextInt(TYPES.length)]) {
            case HELLO -> new Hello(random.nextInt(0x10000), string(random), positive(random), string(random),
                    string(random));
            case WELCOME -> new Welcome(random.nextInt(0x10000), string(random), positive(random), positive(random));
            case OPEN_TUNNEL -> new OpenTunnel(random.nextInt(), random.nextInt(0x10000), string(random),
                    string(random));
            case TUNNEL_OPENED -> new TunnelOpened(random.nextInt(), random.nextInt(), 1 + random.nextInt(0xFFFF),
                    string(random));
            case TUNNEL_REFUSED -> new TunnelRefused(random.nextInt(), string(random));
            case CLOSE_TUNNEL -> new CloseTunnel(random.nextInt(), string(random));
            case STREAM_OPEN -> new StreamOpen(positive(random), random.nextInt(), positive(random), string(random));
            case STREAM_ACCEPT -> new StreamAccept(positive(random), positive(random));
            case STREAM_DATA -> {
                byte[] bytes = new byte[random.nextInt(8) == 0
                        ? random.nextInt(Frames.maxDataPayload(maxFrameLength) + 1) : random.nextInt(64)];
                random.nextBytes(bytes);
                yield new StreamData(positive(random), Unpooled.wrappedBuffer(bytes));
            }
            case STREAM_HALF_CLOSE -> new StreamHalfClose(positive(random));
            case STREAM_RESET -> new StreamReset(positive(random), string(random));
            case WINDOW_UPDATE -> new WindowUpdate(positive(random), positive(random));
            case PING -> new Ping(random.nextLong());
            case PONG -> new Pong(random.nextLong());
            case GO_AWAY -> new GoAway(ErrorCode.values()[random.nextInt(ErrorCode.values().length)], string(random));
        };
    }

    /** A known type byte followed by field-shaped values (ints, shorts, longs, strings that may lie). */
    static byte[] plausibleBody(Random random) {
        ByteBuf b = Unpooled.buffer();
        try {
            b.writeByte(TYPES[random.nextInt(TYPES.length)].code());
            for (int fields = random.nextInt(6); fields > 0; fields--) {
                switch (random.nextInt(6)) {
                    case 0 -> b.writeInt(random.nextInt(3) == 0 ? random.nextInt() : 1 + random.nextInt(100));
                    case 1 -> b.writeShort(random.nextInt(3) == 0 ? random.nextInt() : random.nextInt(4));
                    case 2 -> b.writeLong(random.nextLong());
                    case 3 -> {
                        int length = random.nextInt(5);
                        b.writeShort(random.nextInt(8) == 0 ? length + 1 : length);
                        for (int i = 0; i < length; i++) {
                            b.writeByte(random.nextInt(256));
                        }
                    }
                    case 4 -> b.writeByte(random.nextInt(256));
                    default -> {
                        // nothing: shifts the following fields
                    }
                }
            }
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static int positive(Random random) {
        return random.nextBoolean() ? 1 + random.nextInt(1000) : 1 + random.nextInt(Integer.MAX_VALUE);
    }

    /** Valid code points: ASCII, Latin, CJK and astral (surrogate pairs in Java). */
    private static String string(Random random) {
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(12); n > 0; n--) {
            int cp = switch (random.nextInt(4)) {
                case 0 -> 0x20 + random.nextInt(0x5F);
                case 1 -> 0xA0 + random.nextInt(0x700);
                case 2 -> 0x4E00 + random.nextInt(0x5000);
                default -> 0x1F300 + random.nextInt(0x300);
            };
            s.appendCodePoint(cp);
        }
        return s.toString();
    }
}
