package dev.relay.bench;

import dev.relay.protocol.Frame;
import dev.relay.protocol.FrameDecoder;
import dev.relay.protocol.FrameEncoder;
import dev.relay.protocol.Frames;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.WindowUpdate;
import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.protocol.stream.StreamSocketHandler;
import dev.relay.protocol.stream.StreamTable;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
 * The stream data path of both ends on {@link EmbeddedChannel}s: a socket read on side A becomes {@code StreamData}
 * frames on A's control channel (through {@link StreamTable}, {@link StreamEndpoint} and {@link FrameEncoder}); their
 * bytes are read by B's control channel (framer, {@link FrameDecoder}, {@link StreamTable#handle}) and written to B's
 * socket; B's {@code WindowUpdate}s travel back to A. Only public API is used: socket reads enter through
 * {@link StreamSocketHandler}.
 *
 * <p>One op is one socket read of {@code payload} bytes. Bytes crossing between the two control channels are copied
 * into 64 KiB reads, as a kernel would hand them over. Run with {@code -prof gc} for bytes allocated per op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Dio.netty.leakDetection.level=disabled", "-Xms1g", "-Xmx1g"})
public class DataPathBenchmark {
    private static final int STREAM = 1;
    private static final int READ_SIZE = 64 * 1024;

    /** Bytes of one socket read. */
    @Param({"64", "1024", "16384", "65536"})
    public int payload;

    /** The per-stream window both sides advertise (Relay's default is 1 MiB). */
    @Param({"1048576"})
    public int window;

    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private ByteBuf template;
    private ByteBuf dataFrameWire;
    private Side a;
    private Side b;
    private int creditOwed;

    /** One end: its control channel, stream table, and one stream bound to an embedded socket. */
    static final class Side {
        final EmbeddedChannel control = new EmbeddedChannel();
        final StreamTable table;
        final StreamEndpoint endpoint;
        final EmbeddedChannel socket = new EmbeddedChannel();

        Side(ByteBufAllocator alloc, int window) {
            control.config().setAllocator(alloc);
            socket.config().setAllocator(alloc);
            table = new StreamTable(control, window);
            table.peerMaxFrameLength(Frames.DEFAULT_MAX_FRAME_LENGTH);
            control.pipeline().addLast(FrameEncoder.newFramer(Frames.DEFAULT_MAX_FRAME_LENGTH), new FrameDecoder(),
                    FrameEncoder.INSTANCE, new Dispatcher(table));
            endpoint = table.create(STREAM, e -> { });
            socket.pipeline().addLast(new StreamSocketHandler(endpoint));
            endpoint.attach(socket);
        }

        void close() {
            control.finishAndReleaseAll();
            socket.finishAndReleaseAll();
        }
    }

    /** Hands decoded frames to the stream table, as the real control handlers do. */
    static final class Dispatcher extends ChannelInboundHandlerAdapter {
        private final StreamTable table;

        Dispatcher(StreamTable table) {
            this.table = table;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!table.handle((Frame) msg)) {
                ReferenceCountUtil.release(msg);
            }
        }
    }

    @Setup(Level.Trial)
    public void setUp() {
        template = alloc.directBuffer(payload);
        for (int i = 0; i < payload; i++) {
            template.writeByte(i);
        }
        a = new Side(alloc, window);
        b = new Side(alloc, window);
        a.endpoint.open(window);
        b.endpoint.open(window);
        // One data frame for stream 1 as B's control socket would read it (payload capped at the frame limit).
        int framePayload = Math.min(payload, Frames.maxDataPayload(Frames.DEFAULT_MAX_FRAME_LENGTH));
        EmbeddedChannel enc = new EmbeddedChannel(FrameEncoder.INSTANCE);
        enc.writeOutbound(new StreamData(STREAM, template.retainedSlice(0, framePayload)));
        dataFrameWire = alloc.directBuffer();
        for (Object o; (o = enc.readOutbound()) != null; ) {
            dataFrameWire.writeBytes((ByteBuf) o);
            ReferenceCountUtil.release(o);
        }
        enc.finishAndReleaseAll();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        template.release();
        dataFrameWire.release();
    }

    /** A socket read on A, carried to B's socket, with B's credit carried back to A. */
    @Benchmark
    public int pairOneWay() {
        a.socket.pipeline().fireChannelRead(socketRead());
        a.socket.pipeline().fireChannelReadComplete();
        a.control.runPendingTasks();
        transfer(a.control, b.control);
        b.control.runPendingTasks();
        int n = FrameCodecBenchmark.drainOutbound(b.socket);
        b.control.runPendingTasks();
        transfer(b.control, a.control);
        a.control.runPendingTasks();
        return n;
    }

    /** A's half: a socket read becomes encoded frames on the control channel. Credit is returned every quarter window. */
    @Benchmark
    public int socketToControl() {
        a.socket.pipeline().fireChannelRead(socketRead());
        a.socket.pipeline().fireChannelReadComplete();
        a.control.runPendingTasks();
        int n = FrameCodecBenchmark.drainOutbound(a.control);
        creditOwed += payload;
        if (creditOwed >= window / 4) {
            a.table.handle(new WindowUpdate(STREAM, creditOwed));
            creditOwed = 0;
        }
        return n;
    }

    /** B's half: one data frame read from the control channel is decoded and written to the socket. */
    @Benchmark
    public int controlToSocket() {
        b.control.writeInbound(dataFrameWire.retainedDuplicate());
        b.control.runPendingTasks();
        int n = FrameCodecBenchmark.drainOutbound(b.socket);
        b.control.runPendingTasks();
        FrameCodecBenchmark.drainOutbound(b.control); // WindowUpdates for the (absent) peer
        return n;
    }

    private ByteBuf socketRead() {
        // What a socket read hands over: a fresh pooled buffer the kernel copied the bytes into.
        return alloc.ioBuffer(payload).writeBytes(template, 0, payload);
    }

    /** Moves what {@code from} wrote to {@code to}'s inbound side in reads of up to 64 KiB, like a TCP socket. */
    private void transfer(EmbeddedChannel from, EmbeddedChannel to) {
        ByteBuf read = null;
        for (Object o; (o = from.readOutbound()) != null; ) {
            ByteBuf buf = (ByteBuf) o;
            while (buf.isReadable()) {
                if (read == null) {
                    read = alloc.ioBuffer(READ_SIZE);
                }
                int n = Math.min(buf.readableBytes(), read.writableBytes());
                read.writeBytes(buf, n);
                if (!read.isWritable()) {
                    to.writeInbound(read);
                    read = null;
                }
            }
            buf.release();
        }
        if (read != null) {
            to.writeInbound(read);
        }
    }
}
