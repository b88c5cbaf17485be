package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.TooLongFrameException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Round trips through the real pipeline codecs ({@code LengthFieldBasedFrameDecoder} + {@link FrameDecoder} inbound,
 * {@link FrameEncoder} outbound), after Netty's {@code LengthFieldBasedFrameDecoderTest}.
 */
class FrameCodecTest {
    private static final int MAX = Frames.MIN_MAX_FRAME_LENGTH;

    private final TrackingAllocator alloc = new TrackingAllocator();
    private final EmbeddedChannel channel = newChannel(alloc);

    static EmbeddedChannel newChannel(TrackingAllocator alloc) {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.newFramer(MAX), new FrameDecoder(),
                FrameEncoder.INSTANCE);
        channel.config().setAllocator(alloc);
        return channel;
    }

    @AfterEach
    void finish() {
        assertThat(channel.finishAndReleaseAll()).isFalse();
        alloc.assertAllReleased();
    }

    /** One or more frames of every type; non-stream frames are records and compare by value. */
    static Stream<Frame> frames() {
        return Stream.of(
                new Hello(Frames.VERSION, "s3cr\u00e9t-token", Frames.DEFAULT_MAX_FRAME_LENGTH, "relay-client/0.1", "id-1"),
                new Hello(0xFFFF, "", 1, "", ""),
                new Welcome(Frames.VERSION, "session-\u4e2d", Frames.MIN_MAX_FRAME_LENGTH, 10_000),
                new Welcome(Frames.VERSION, "", Integer.MAX_VALUE, Integer.MAX_VALUE),
                new OpenTunnel(7, 0, "localhost:3000"),
                new OpenTunnel(8, 20080, "db:5432", "10.0.0.0/8,2001:db8::/32"),
                new OpenTunnel(-1, 0xFFFF, ""),
                new TunnelOpened(7, 3, 20_001, "tcp://relay.example.com:20001"),
                new TunnelOpened(Integer.MIN_VALUE, Integer.MAX_VALUE, 0xFFFF, ""),
                new TunnelRefused(9, "no free port in 20000-20099"),
                new CloseTunnel(3, "closed by operator"),
                new StreamOpen(1, 3, Frames.DEFAULT_WINDOW, "203.0.113.9:51234"),
                new StreamOpen(Integer.MAX_VALUE, 0, Frames.MAX_WINDOW, "[2001:db8::1]:443"),
                new StreamAccept(1, 1),
                new StreamAccept(2, Frames.MAX_WINDOW),
                new StreamHalfClose(1),
                new StreamReset(2, "connection refused: localhost:3000"),
                new WindowUpdate(1, 1),
                new WindowUpdate(Integer.MAX_VALUE, Integer.MAX_VALUE),
                new Ping(0),
                new Ping(Long.MIN_VALUE),
                new Pong(Long.MAX_VALUE),
                new Pong(-1),
                new GoAway(ErrorCode.NORMAL, ""),
                new GoAway(ErrorCode.PROTOCOL_ERROR, "unknown frame type 0x7f"),
                new GoAway(ErrorCode.UNSUPPORTED_VERSION, "version 2"),
                new GoAway(ErrorCode.AUTHENTICATION_FAILED, "bad token"),
                new GoAway(ErrorCode.HANDSHAKE_TIMEOUT, "no hello in 10s"),
                new GoAway(ErrorCode.HEARTBEAT_TIMEOUT, "heartbeat timeout"),
                new GoAway(ErrorCode.SHUTDOWN, "server stopping"),
                new GoAway(ErrorCode.UNKNOWN, "a code from the future"));
    }

    @ParameterizedTest
    @MethodSource("frames")
    void roundTripsThroughThePipeline(Frame frame) {
        assertThat(roundTrip(frame)).isEqualTo(frame);
        assertThat(channel.inboundMessages()).isEmpty();
    }

    @ParameterizedTest
    @MethodSource("frames")
    void roundTripsWhenTheBytesArriveOneAtATime(Frame frame) {
        ByteBuf wire = encode(frame);
        try {
            for (int i = 0; i < wire.readableBytes() - 1; i++) {
                channel.writeInbound(wire.retainedSlice(i, 1));
                assertThat((Object) channel.readInbound()).isNull();
            }
            channel.writeInbound(wire.retainedSlice(wire.readableBytes() - 1, 1));
            assertThat((Object) channel.readInbound()).isEqualTo(frame);
        } finally {
            wire.release();
        }
    }

    @Test
    void everyFrameTypeIsCovered() {
        Set<FrameType> covered = EnumSet.noneOf(FrameType.class);
        frames().forEach(f -> covered.add(f.type()));
        covered.add(FrameType.STREAM_DATA); // see the StreamData tests below
        assertThat(covered).containsExactlyInAnyOrder(FrameType.values());
    }

    @Test
    void everyErrorCodeRoundTrips() {
        for (ErrorCode code : ErrorCode.values()) {
            assertThat(ErrorCode.of(code.code())).isSameAs(code);
        }
        assertThat(ErrorCode.of(42)).isSameAs(ErrorCode.UNKNOWN);
    }

    @Test
    void streamDataRoundTripsWithoutCopyingThePayload() {
        byte[] bytes = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        ByteBuf payload = Unpooled.wrappedBuffer(bytes);
        assertThat(channel.writeOutbound(new StreamData(5, payload))).isTrue();

        // The header goes out as its own buffer; the payload follows as the very same buffer.
        ByteBuf header = channel.readOutbound();
        ByteBuf body = channel.readOutbound();
        assertThat((Object) channel.readOutbound()).isNull();
        assertThat(body).isSameAs(payload);
        assertThat(header.getInt(0)).isEqualTo(Frames.DATA_HEADER_LENGTH + bytes.length);
        assertThat(header.getUnsignedByte(4)).isEqualTo((short) FrameType.STREAM_DATA.code());
        assertThat(header.getInt(5)).isEqualTo(5);

        channel.writeInbound(header, body);
        StreamData decoded = channel.readInbound();
        try {
            assertThat(decoded.streamId()).isEqualTo(5);
            assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(bytes);
        } finally {
            decoded.release();
        }
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void emptyStreamDataRoundTrips() {
        StreamData decoded = (StreamData) roundTripRaw(new StreamData(1, Unpooled.EMPTY_BUFFER));
        try {
            assertThat(decoded.streamId()).isEqualTo(1);
            assertThat(decoded.content().readableBytes()).isZero();
        } finally {
            decoded.release();
        }
    }

    @Test
    void largestStreamDataPayloadFits() {
        byte[] bytes = new byte[Frames.maxDataPayload(MAX)];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) i;
        }
        ByteBuf payload = Unpooled.wrappedBuffer(bytes);
        StreamData decoded = (StreamData) roundTripRaw(new StreamData(Integer.MAX_VALUE, payload));
        try {
            assertThat(decoded.streamId()).isEqualTo(Integer.MAX_VALUE);
            assertThat(ByteBufUtil.getBytes(decoded.content())).isEqualTo(bytes);
        } finally {
            decoded.release();
        }
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void streamDataOneByteOverTheMaximumFailsFast() {
        ByteBuf payload = Unpooled.wrappedBuffer(new byte[Frames.maxDataPayload(MAX) + 1]);
        channel.writeOutbound(new StreamData(1, payload));
        ByteBuf header = channel.readOutbound();
        ByteBuf body = channel.readOutbound();
        // failFast: the length prefix alone is enough to refuse the frame.
        assertThatThrownBy(() -> channel.writeInbound(header))
                .isInstanceOf(TooLongFrameException.class);
        body.release();
        assertThat(payload.refCnt()).isZero();
    }

    @Test
    void severalFramesInOneBufferDecodeInOrder() {
        List<Frame> sent = List.of(new Ping(1), new StreamHalfClose(3), new WindowUpdate(3, 100), new Pong(1));
        ByteBuf wire = Unpooled.buffer();
        for (Frame f : sent) {
            ByteBuf one = encode(f);
            wire.writeBytes(one);
            one.release();
        }
        channel.writeInbound(wire);
        List<Object> received = new ArrayList<>();
        for (Object m; (m = channel.readInbound()) != null; ) {
            received.add(m);
        }
        assertThat(received).containsExactlyElementsOf(sent);
    }

    @Test
    void encoderRefusesAStringOverTheU16LimitWithoutLeaking() {
        String huge = "x".repeat(Frames.MAX_STRING_BYTES + 1);
        assertThatThrownBy(() -> channel.writeOutbound(new TunnelRefused(1, huge)))
                .hasRootCauseInstanceOf(IllegalArgumentException.class)
                .hasStackTraceContaining("expected: <= 65535");
        assertThat(channel.outboundMessages()).isEmpty();
    }

    @Test
    void stringOfExactlyTheU16LimitRoundTripsThroughTheCodec() {
        String longest = "\u00e9".repeat(Frames.MAX_STRING_BYTES / 2) + "x"; // 65535 UTF-8 bytes
        Frame frame = new StreamReset(1, longest);
        ByteBuf body = Unpooled.buffer();
        FrameCodec.encodeHeaderAndFields(frame, body);
        try {
            assertThat(body.getUnsignedShort(5)).isEqualTo(Frames.MAX_STRING_BYTES);
            assertThat(FrameCodec.decode(body)).isEqualTo(frame);
        } finally {
            body.release();
        }
    }

    private Frame roundTrip(Frame frame) {
        Frame decoded = roundTripRaw(frame);
        assertThat(decoded.type()).isEqualTo(frame.type());
        return decoded;
    }

    /** Writes {@code frame} outbound, feeds every byte that came out back inbound, returns the one frame decoded. */
    private Frame roundTripRaw(Frame frame) {
        assertThat(channel.writeOutbound(frame)).isTrue();
        for (Object out; (out = channel.readOutbound()) != null; ) {
            channel.writeInbound(out);
        }
        Frame decoded = channel.readInbound();
        assertThat(decoded).isNotNull();
        assertThat((Object) channel.readInbound()).isNull();
        return decoded;
    }

    /** The wire bytes of {@code frame}, length prefix included, as one buffer. */
    private ByteBuf encode(Frame frame) {
        channel.writeOutbound(frame);
        ByteBuf wire = Unpooled.buffer();
        for (ByteBuf out; (out = channel.readOutbound()) != null; ) {
            wire.writeBytes(out);
            out.release();
        }
        return wire;
    }
}
