package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.protocol.stream.ControlErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Bad input is a {@link ProtocolException} (or, from the framer, a {@code DecoderException}), never anything else. */
class MalformedFrameTest {
    private static final int MAX = Frames.MIN_MAX_FRAME_LENGTH;
    private static final Logger log = LoggerFactory.getLogger(MalformedFrameTest.class);

    private final TrackingAllocator alloc = new TrackingAllocator();
    private final EmbeddedChannel channel = FrameCodecTest.newChannel(alloc);

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
        alloc.assertAllReleased();
    }

    @Test
    void unknownTypeByte() {
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(0x7F).writeLong(1))))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("unknown frame type 0x7f");
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(0x00))))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("unknown frame type 0x0");
    }

    @Test
    void emptyBody() {
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> { })))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("empty frame");
    }

    @Test
    void truncatedHello() {
        // version, then a token that claims 10 bytes but has 3
        ByteBuf wire = frame(b -> b.writeByte(FrameType.HELLO.code()).writeShort(1).writeShort(10)
                .writeBytes("abc".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> channel.writeInbound(wire))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("HELLO frame truncated: needs 10 more bytes, has 3")
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
    }

    @Test
    void truncatedFixedFields() {
        assertTruncated(b -> b.writeByte(FrameType.HELLO.code()).writeByte(1));
        assertTruncated(b -> b.writeByte(FrameType.WELCOME.code()).writeShort(1).writeShort(0).writeInt(MAX));
        assertTruncated(b -> b.writeByte(FrameType.OPEN_TUNNEL.code()).writeInt(1));
        assertTruncated(b -> b.writeByte(FrameType.TUNNEL_OPENED.code()).writeInt(1).writeInt(2).writeShort(80));
        assertTruncated(b -> b.writeByte(FrameType.TUNNEL_REFUSED.code()).writeShort(0));
        assertTruncated(b -> b.writeByte(FrameType.CLOSE_TUNNEL.code()).writeInt(1).writeByte(0));
        assertTruncated(b -> b.writeByte(FrameType.STREAM_OPEN.code()).writeInt(1).writeInt(1).writeInt(1));
        assertTruncated(b -> b.writeByte(FrameType.STREAM_ACCEPT.code()).writeInt(1).writeShort(1));
        assertTruncated(b -> b.writeByte(FrameType.STREAM_DATA.code()).writeShort(1));
        assertTruncated(b -> b.writeByte(FrameType.STREAM_HALF_CLOSE.code()));
        assertTruncated(b -> b.writeByte(FrameType.STREAM_RESET.code()).writeInt(1));
        assertTruncated(b -> b.writeByte(FrameType.WINDOW_UPDATE.code()).writeInt(1));
        assertTruncated(b -> b.writeByte(FrameType.PING.code()).writeInt(1));
        assertTruncated(b -> b.writeByte(FrameType.PONG.code()).writeMedium(1));
        assertTruncated(b -> b.writeByte(FrameType.GO_AWAY.code()).writeInt(0).writeShort(5));
    }

    @Test
    void trailingBytes() {
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.PING.code()).writeLong(1)
                .writeByte(0))))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("PING frame has 1 trailing bytes");
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.STREAM_HALF_CLOSE.code())
                .writeInt(1).writeInt(0))))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void lengthPrefixAboveTheMaximumFailsFast() {
        ByteBuf prefix = Unpooled.buffer().writeInt(MAX + 1);
        // failFast: refused on the prefix alone, before any of the body has arrived.
        assertThatThrownBy(() -> channel.writeInbound(prefix))
                .isInstanceOf(TooLongFrameException.class);
        assertThat(prefix.refCnt()).isZero();
    }

    @Test
    void lengthPrefixOfExactlyTheMaximumIsAccepted() {
        ByteBuf wire = Unpooled.buffer().writeInt(MAX).writeByte(FrameType.STREAM_DATA.code()).writeInt(1)
                .writeZero(MAX - Frames.DATA_HEADER_LENGTH);
        channel.writeInbound(wire);
        StreamData data = channel.readInbound();
        assertThat(data.content().readableBytes()).isEqualTo(Frames.maxDataPayload(MAX));
        data.release();
    }

    @Test
    void lengthPrefixIsUnsignedSoAllOnesIsTooLong() {
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.buffer().writeInt(-1)))
                .isInstanceOf(TooLongFrameException.class)
                .hasMessageContaining("4294967299")
                .satisfies(e -> assertThat(ControlErrors.protocolError(e)).isNotNull());
    }

    @Test
    void streamIdZeroOrNegative() {
        for (int id : new int[] {0, -1, Integer.MIN_VALUE}) {
            for (FrameType type : new FrameType[] {FrameType.STREAM_DATA, FrameType.STREAM_HALF_CLOSE,
                    FrameType.STREAM_RESET, FrameType.STREAM_ACCEPT, FrameType.STREAM_OPEN,
                    FrameType.WINDOW_UPDATE}) {
                // the id is the first field of every stream frame; what follows does not matter
                ByteBuf wire = frame(b -> b.writeByte(type.code()).writeInt(id).writeInt(1).writeInt(1).writeShort(0));
                assertThatThrownBy(() -> channel.writeInbound(wire))
                        .isInstanceOf(ProtocolException.class)
                        .hasMessage(type + " streamId: " + id + " (expected: > 0)");
            }
        }
    }

    @Test
    void zeroOrNegativeWindow() {
        for (int window : new int[] {0, -1}) {
            assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.STREAM_OPEN.code())
                    .writeInt(1).writeInt(1).writeInt(window).writeShort(0))))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage("STREAM_OPEN window: " + window + " (expected: > 0)");
            assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.STREAM_ACCEPT.code())
                    .writeInt(1).writeInt(window))))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage("STREAM_ACCEPT window: " + window + " (expected: > 0)");
        }
    }

    @Test
    void windowUpdateIncrementNotPositive() {
        for (int increment : new int[] {0, -1, Integer.MIN_VALUE}) {
            assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.WINDOW_UPDATE.code())
                    .writeInt(1).writeInt(increment))))
                    .isInstanceOf(ProtocolException.class)
                    .hasMessage("WINDOW_UPDATE increment: " + increment + " (expected: > 0)");
        }
    }

    @Test
    void otherOutOfRangeFields() {
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.TUNNEL_OPENED.code())
                .writeInt(1).writeInt(1).writeShort(0).writeShort(0))))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("publicPort: 0");
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.HELLO.code())
                .writeShort(1).writeShort(0).writeInt(0).writeShort(0))))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("HELLO maxFrameLength: 0 (expected: > 0)");
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(FrameType.WELCOME.code())
                .writeShort(1).writeShort(0).writeInt(MAX).writeInt(-5))))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("WELCOME heartbeatIntervalMillis: -5 (expected: > 0)");
    }

    @Test
    void malformedUtf8IsReplacedNotRejected() {
        channel.writeInbound(frame(b -> b.writeByte(FrameType.STREAM_RESET.code()).writeInt(1).writeShort(2)
                .writeByte(0xC3).writeByte(0x28)));
        StreamReset reset = channel.readInbound();
        assertThat(reset.reason()).contains("\uFFFD");
    }

    @Test
    void decoderKeepsWorkingAfterABadFrame() {
        assertThatThrownBy(() -> channel.writeInbound(frame(b -> b.writeByte(0x7F))))
                .isInstanceOf(ProtocolException.class);
        channel.writeInbound(frame(b -> b.writeByte(FrameType.PING.code()).writeLong(42)));
        assertThat((Object) channel.readInbound()).isEqualTo(new Ping(42));
    }

    @Test
    void controlErrorsMapsCodecFailuresToProtocolErrors() {
        ProtocolException tooLong = ControlErrors.protocolError(new TooLongFrameException("Adjusted frame length "
                + "exceeds 16388: 16389 - discarded"));
        assertThat(tooLong).isNotNull();
        assertThat(tooLong.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(tooLong.getMessage()).startsWith("frame too long: ");

        ProtocolException malformed = ControlErrors.protocolError(new DecoderException("bad"));
        assertThat(malformed).isNotNull();
        assertThat(malformed.getMessage()).isEqualTo("malformed frame: bad");

        ProtocolException original = new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "version 9");
        assertThat(ControlErrors.protocolError(original)).isSameAs(original);
        assertThat(ControlErrors.protocolError(new RuntimeException("wrapped", original))).isSameAs(original);
        assertThat(ControlErrors.protocolError(new DecoderException(new TooLongFrameException("x"))).getMessage())
                .startsWith("frame too long");

        assertThat(ControlErrors.protocolError(new IOException("Connection reset by peer"))).isNull();
        assertThat(ControlErrors.protocolError(new IllegalStateException("bug"))).isNull();
    }

    @Test
    void oversizedFrameIsAnsweredWithGoAwayAndClose() {
        EmbeddedChannel peer = FrameCodecTest.newChannel(alloc);
        peer.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ControlErrors.close(ctx, cause, log);
            }
        });
        peer.writeInbound(Unpooled.buffer().writeInt(MAX + 1).writeZero(16));

        assertThat(peer.isOpen()).isFalse();
        // Decode what the closing side sent with a fresh codec.
        for (Object out; (out = peer.readOutbound()) != null; ) {
            channel.writeInbound(out);
        }
        GoAway goAway = channel.readInbound();
        assertThat(goAway.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        assertThat(goAway.reason()).startsWith("frame too long");
        assertThat(peer.finishAndReleaseAll()).isFalse();
    }

    @Test
    void unknownTypeIsAnsweredWithGoAwayNamingIt() {
        EmbeddedChannel peer = FrameCodecTest.newChannel(alloc);
        peer.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ControlErrors.close(ctx, cause, log);
            }
        });
        peer.writeInbound(frame(b -> b.writeByte(0x99)));

        assertThat(peer.isOpen()).isFalse();
        for (Object out; (out = peer.readOutbound()) != null; ) {
            channel.writeInbound(out);
        }
        assertThat((Object) channel.readInbound())
                .isEqualTo(new GoAway(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x99"));
        peer.finishAndReleaseAll();
    }

    private void assertTruncated(Consumer<ByteBuf> body) {
        ByteBuf wire = frame(body);
        assertThatThrownBy(() -> channel.writeInbound(wire))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("truncated");
    }

    /** A length-prefixed frame whose body {@code body} writes. */
    private static ByteBuf frame(Consumer<ByteBuf> body) {
        ByteBuf b = Unpooled.buffer();
        b.writeInt(0);
        body.accept(b);
        b.setInt(0, b.readableBytes() - Frames.LENGTH_FIELD_LENGTH);
        return b;
    }
}
