package dev.relay.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.relay.protocol.stream.ControlErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random input: whatever the bytes, the decoder yields a frame or a {@link ProtocolException}, and leaks
 * nothing. A failure message names the seed and iteration so it can be replayed.
 */
class FrameFuzzTest {
    private static final long SEED = 0x5EED_F00DL;
    private static final int ITERATIONS = 20_000;
    private static final int MAX = Frames.MIN_MAX_FRAME_LENGTH;

    @Test
    void randomBodiesDecodeOrThrowProtocolException() {
        Random random = new Random(SEED);
        int decoded = 0;
        int refused = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            ByteBuf body = fuzzBody(random, i);
            byte[] input = ByteBufUtil.getBytes(body);
            try {
                Frame frame = FrameCodec.decode(body);
                decoded++;
                ReferenceCountUtil.release(frame);
            } catch (ProtocolException expected) {
                refused++;
            } catch (Throwable t) {
                fail("seed " + SEED + " iteration " + i + " input " + ByteBufUtil.hexDump(input) + ": " + t, t);
            } finally {
                body.release();
            }
            // A decoded StreamData holds a retained slice of the body: released, nothing may hold the body still.
            assertThat(body.refCnt()).as("seed %s iteration %s", SEED, i).isZero();
        }
        // The generator must reach both outcomes, or it tests nothing.
        assertThat(decoded).isGreaterThan(ITERATIONS / 20);
        assertThat(refused).isGreaterThan(ITERATIONS / 20);
    }

    @Test
    void randomBodiesThroughFrameDecoderDecodeOrThrowProtocolException() {
        TrackingAllocator alloc = new TrackingAllocator();
        Random random = new Random(SEED + 1);
        EmbeddedChannel channel = new EmbeddedChannel(new FrameDecoder());
        channel.config().setAllocator(alloc);
        for (int i = 0; i < ITERATIONS; i++) {
            ByteBuf body = fuzzBody(random, i);
            try {
                channel.writeInbound(body);
            } catch (ProtocolException expected) {
                // the one failure allowed
            } catch (Throwable t) {
                fail("seed " + (SEED + 1) + " iteration " + i + ": " + t, t);
            }
            for (Object m; (m = channel.readInbound()) != null; ) {
                ReferenceCountUtil.release(m);
            }
            assertThat(body.refCnt()).as("seed %s iteration %s", SEED + 1, i).isZero();
        }
        channel.finishAndReleaseAll();
        alloc.assertAllReleased();
    }

    @Test
    void randomStreamsThroughTheFramerFailOnlyWithProtocolErrors() {
        TrackingAllocator alloc = new TrackingAllocator();
        Random random = new Random(SEED + 2);
        List<Throwable> failures = new ArrayList<>();
        for (int i = 0; i < ITERATIONS / 10; i++) {
            EmbeddedChannel channel = FrameCodecTest.newChannel(alloc);
            // Collects what reaches the end of the pipeline: a framer error may be followed by more in one read.
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                    failures.add(cause);
                }
            });
            ByteBuf stream = Unpooled.buffer();
            for (int frames = random.nextInt(4); frames >= 0; frames--) {
                ByteBuf body = random.nextBoolean() ? plausibleBody(random) : randomBytes(random);
                // Mostly honest length prefixes, sometimes a lie.
                stream.writeInt(random.nextInt(8) == 0 ? random.nextInt() : body.readableBytes());
                stream.writeBytes(body);
                body.release();
            }
            try {
                while (stream.isReadable()) {
                    channel.writeInbound(stream.readRetainedSlice(1 + random.nextInt(stream.readableBytes())));
                    for (Object m; (m = channel.readInbound()) != null; ) {
                        ReferenceCountUtil.release(m);
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            } finally {
                stream.release();
                channel.finishAndReleaseAll();
            }
            for (Throwable t : failures) {
                if (ControlErrors.protocolError(t) == null) {
                    fail("seed " + (SEED + 2) + " iteration " + i + ": " + t, t);
                }
            }
            failures.clear();
        }
        alloc.assertAllReleased();
    }

    @Test
    void randomValidFramesRoundTrip() {
        TrackingAllocator alloc = new TrackingAllocator();
        EmbeddedChannel channel = FrameCodecTest.newChannel(alloc);
        Random random = new Random(SEED + 3);
        for (int i = 0; i < ITERATIONS / 4; i++) {
            Frame frame = randomFrame(random);
            String what = "seed " + (SEED + 3) + " iteration " + i + " " + frame;
            byte[] payload = frame instanceof StreamData d ? ByteBufUtil.getBytes(d.content()) : null;
            channel.writeOutbound(frame);
            for (Object out; (out = channel.readOutbound()) != null; ) {
                channel.writeInbound(out);
            }
            Frame decoded = channel.readInbound();
            try {
                if (payload != null) {
                    StreamData d = (StreamData) decoded;
                    assertThat(d.streamId()).as(what).isEqualTo(((StreamData) frame).streamId());
                    assertThat(ByteBufUtil.getBytes(d.content())).as(what).isEqualTo(payload);
                } else {
                    assertThat(decoded).as(what).isEqualTo(frame);
                }
            } finally {
                ReferenceCountUtil.release(decoded);
            }
        }
        assertThat(channel.finishAndReleaseAll()).isFalse();
        alloc.assertAllReleased();
    }

    /** In turn: random bytes, field-shaped values after a known type, and a valid frame with one mutation. */
    private static ByteBuf fuzzBody(Random random, int i) {
        return switch (i % 3) {
            case 0 -> randomBytes(random);
            case 1 -> plausibleBody(random);
            default -> mutatedFrame(random);
        };
    }

    /** The body of a valid frame with one byte changed, a tail cut off, or bytes appended. */
    private static ByteBuf mutatedFrame(Random random) {
        Frame frame = randomFrame(random);
        ByteBuf b = Unpooled.buffer();
        FrameCodec.encodeHeaderAndFields(frame, b);
        if (frame instanceof StreamData data) {
            b.writeBytes(data.content());
            data.release();
        }
        switch (random.nextInt(4)) {
            case 0 -> b.setByte(random.nextInt(b.readableBytes()), random.nextInt(256));
            case 1 -> b.writerIndex(random.nextInt(b.readableBytes()));
            case 2 -> b.writeZero(1 + random.nextInt(3));
            default -> {
                // unchanged
            }
        }
        return b;
    }

    private static ByteBuf randomBytes(Random random) {
        byte[] bytes = new byte[random.nextInt(48)];
        random.nextBytes(bytes);
        // not wrappedBuffer: for no bytes it returns the shared empty buffer, whose refCnt never drops
        return Unpooled.buffer(bytes.length).writeBytes(bytes);
    }

    /** A known type byte followed by field-shaped values, so that decoding gets past the first check. */
    private static ByteBuf plausibleBody(Random random) {
        return Unpooled.wrappedBuffer(FrameFuzz.plausibleBody(random));
    }

    private static Frame randomFrame(Random random) {
        return FrameFuzz.randomFrame(random, MAX);
    }
}
