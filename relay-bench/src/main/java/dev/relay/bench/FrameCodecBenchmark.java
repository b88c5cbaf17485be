package dev.relay.bench;

import dev.relay.protocol.Frame;
import dev.relay.protocol.FrameCodec;
import dev.relay.protocol.FrameDecoder;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.Frames;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.WindowUpdate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Frame encode and decode on their real pipelines ({@link FrameEncoder}; {@code LengthFieldBasedFrameDecoder} +
 * {@link FrameDecoder}) over Netty's pooled allocator, plus the bare {@link FrameCodec#decode} of one body.
 * One op is one frame. Run with {@code -prof gc} to see bytes allocated per frame ({@code gc.alloc.rate.norm}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xms1g", "-Xmx1g"})
public class FrameCodecBenchmark {
    /** Payload bytes of a data frame; 65531 is the largest payload of a 64 KiB frame. */
    @Param({"64", "1024", "16384", "65531"})
    public int payload;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf data;
    private ByteBuf wire;
    private ByteBuf body;
    private EmbeddedChannel encoder;
    private EmbeddedChannel decoder;
    private EmbeddedChannel bare;

    @Setup(Level.Trial)
    public void setUp() {
        data = alloc.directBuffer(payload);
        for (int i = 0; i < payload; i++) {
            data.writeByte(i);
        }
        encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        encoder.config().setAllocator(alloc);
        bare = new EmbeddedChannel();
        bare.config().setAllocator(alloc);
        decoder = new EmbeddedChannel(FrameEncoder.newFramer(Frames.DEFAULT_MAX_FRAME_LENGTH), new FrameDecoder());
        decoder.config().setAllocator(alloc);
        // One encoded data frame (length prefix, header, payload) as the socket would read it.
        wire = alloc.directBuffer(Frames.LENGTH_FIELD_LENGTH + Frames.DATA_HEADER_LENGTH + payload);
        encoder.writeOutbound(new StreamData(1, data.retainedDuplicate()));
        for (Object o; (o = encoder.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            wire.writeBytes(b);
            b.release();
        }
        body = wire.slice(Frames.LENGTH_FIELD_LENGTH, wire.readableBytes() - Frames.LENGTH_FIELD_LENGTH);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        encoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        bare.finishAndReleaseAll();
        data.release();
        wire.release();
    }

    /** The harness alone: the payload written through an EmbeddedChannel with no handler. Subtract from the rest. */
    @Benchmark
    public int baselineEmbeddedWrite() {
        bare.writeOutbound(data.retainedDuplicate());
        return drainOutbound(bare);
    }

    /** StreamData through FrameEncoder: a pooled header buffer plus the retained payload, then flushed. */
    @Benchmark
    public int encodeData() {
        encoder.writeOutbound(new StreamData(1, data.retainedDuplicate()));
        return drainOutbound(encoder);
    }

    /** A control frame (WindowUpdate) through FrameEncoder: one pooled buffer. */
    @Benchmark
    public int encodeWindowUpdate() {
        encoder.writeOutbound(new WindowUpdate(1, 262_144));
        return drainOutbound(encoder);
    }

    /** One whole data frame as read from the socket, through the framer and FrameDecoder to a StreamData. */
    @Benchmark
    public int decodeData() {
        decoder.writeInbound(wire.retainedDuplicate());
        int n = 0;
        for (Object o; (o = decoder.readInbound()) != null; ) {
            n += ((StreamData) o).content().readableBytes();
            ReferenceCountUtil.release(o);
        }
        return n;
    }

    /** FrameCodec.decode of one data frame body alone (no pipeline). */
    @Benchmark
    public int decodeBodyOnly() {
        Frame f = FrameCodec.decode(body.duplicate());
        int n = ((StreamData) f).content().readableBytes();
        ReferenceCountUtil.release(f);
        return n;
    }

    static int drainOutbound(EmbeddedChannel ch) {
        int n = 0;
        for (Object o; (o = ch.readOutbound()) != null; ) {
            n += o instanceof ByteBuf b ? b.readableBytes() : 1;
            ReferenceCountUtil.release(o);
        }
        return n;
    }
}
