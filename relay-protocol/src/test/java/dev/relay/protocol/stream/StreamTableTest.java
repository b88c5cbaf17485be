package dev.relay.protocol.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.protocol.Frames;
import dev.relay.protocol.Ping;
import dev.relay.protocol.ProtocolException;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamHalfClose;
import dev.relay.protocol.StreamReset;
import dev.relay.protocol.WindowUpdate;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream multiplexer on {@link EmbeddedChannel}s, after Netty's {@code Http2MultiplexTest}: one channel plays
 * the control connection, others play the streams' sockets. The table flushes on a task it schedules on the control
 * channel's event loop, so every check of what was sent first runs {@code control.runPendingTasks()}.
 */
class StreamTableTest {
    private static final int RECEIVE_WINDOW = 64;

    private final EmbeddedChannel control = new EmbeddedChannel();
    private final StreamTable table = new StreamTable(control, RECEIVE_WINDOW);
    private final List<StreamEndpoint> ended = new ArrayList<>();
    private final List<EmbeddedChannel> sockets = new ArrayList<>();
    private final List<ByteBuf> created = new ArrayList<>();

    @AfterEach
    void releaseEverything() {
        table.closeAll("test over");
        for (EmbeddedChannel socket : sockets) {
            socket.finishAndReleaseAll();
        }
        control.finishAndReleaseAll();
        for (ByteBuf buf : created) {
            assertThat(buf.refCnt()).as("refCnt of a test buffer").isZero();
        }
    }

    // ---- socket to control: data, send window, autoRead

    @Test
    void socketDataBecomesStreamDataChargedAgainstTheSendWindow() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        assertThat(socket.config().isAutoRead()).as("reads before the peer accepted").isFalse();

        stream.open(100);
        assertThat(socket.config().isAutoRead()).isTrue();

        socket.writeInbound(bytes(30, 0));
        assertThat(control.outboundMessages()).as("flushed once per event-loop turn, not per frame").isEmpty();
        assertThat(sent()).containsExactly(data(1, 30, 0));
        assertThat(stream.bytesFromSocket()).isEqualTo(30);
        assertThat(socket.config().isAutoRead()).isTrue();

        // 100 more bytes against 70 of credit: 70 go out, 30 wait, the socket stops reading
        socket.writeInbound(bytes(100, 30));
        assertThat(sent()).containsExactly(data(1, 70, 30));
        assertThat(stream.bufferedBytes()).isEqualTo(30);
        assertThat(socket.config().isAutoRead()).isFalse();

        assertThat(table.handle(new WindowUpdate(1, 50))).isTrue();
        assertThat(sent()).containsExactly(data(1, 30, 100));
        assertThat(stream.bufferedBytes()).isZero();
        assertThat(socket.config().isAutoRead()).as("20 bytes of credit left").isTrue();
        assertThat(stream.bytesFromSocket()).isEqualTo(130);
    }

    @Test
    void socketStopsReadingAtAZeroWindowAndResumesOnWindowUpdate() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(100);

        socket.writeInbound(bytes(100, 0));
        assertThat(sent()).containsExactly(data(1, 100, 0));
        assertThat(stream.bufferedBytes()).isZero();
        assertThat(socket.config().isAutoRead()).isFalse();

        table.handle(new WindowUpdate(1, 1));
        assertThat(socket.config().isAutoRead()).isTrue();
        assertThat(sent()).isEmpty();
    }

    @Test
    void largeReadsAreSplitAtThePeersMaximumPayload() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(Frames.DEFAULT_WINDOW);
        int max = Frames.maxDataPayload(Frames.MIN_MAX_FRAME_LENGTH);

        socket.writeInbound(bytes(2 * max + 100, 0));
        assertThat(sent()).containsExactly(data(1, max, 0), data(1, max, max),
                data(1, 100, 2 * max));

        table.peerMaxFrameLength(Frames.MIN_MAX_FRAME_LENGTH + 10);
        socket.writeInbound(bytes(max + 20, 0));
        assertThat(sent()).containsExactly(data(1, max + 10, 0), data(1, 10, max + 10));

        assertThatThrownBy(() -> table.peerMaxFrameLength(Frames.MIN_MAX_FRAME_LENGTH - 1))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void socketStopsReadingWhileTheControlChannelIsUnwritable() {
        control.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 32));
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(1000);
        assertThat(socket.config().isAutoRead()).isTrue();

        // 100 bytes written to the control channel and not yet flushed: over the high water mark
        socket.writeInbound(bytes(100, 0));
        assertThat(control.isWritable()).isFalse();
        assertThat(socket.config().isAutoRead()).isFalse();

        // The flush drains the control channel; reading resumes once the table hears of it.
        assertThat(sent()).containsExactly(data(1, 100, 0));
        assertThat(control.isWritable()).isTrue();
        table.writabilityChanged();
        assertThat(socket.config().isAutoRead()).isTrue();
    }

    /** {@code Http2MultiplexTest.writabilityOfParentIsRespected}: every stream follows the control channel. */
    @Test
    void writabilityOfTheControlChannelIsRespectedByEveryStream() {
        control.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 32));
        // As the control handlers of both ends do: pass the writability event on to the table.
        control.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                table.writabilityChanged();
                ctx.fireChannelWritabilityChanged();
            }
        });
        StreamEndpoint one = table.create(1, ended::add);
        StreamEndpoint two = table.create(2, ended::add);
        EmbeddedChannel socketOne = attach(one);
        EmbeddedChannel socketTwo = attach(two);
        one.open(1000);
        two.open(1000);
        assertThat(socketOne.config().isAutoRead()).isTrue();
        assertThat(socketTwo.config().isAutoRead()).isTrue();

        // Something else fills the control channel's buffer without flushing.
        control.write(new Ping(1));
        control.write(Unpooled.wrappedBuffer(new byte[64]));
        assertThat(control.isWritable()).isFalse();
        control.runPendingTasks();
        assertThat(socketOne.config().isAutoRead()).isFalse();
        assertThat(socketTwo.config().isAutoRead()).isFalse();

        control.flush();
        control.runPendingTasks();
        assertThat(control.isWritable()).isTrue();
        assertThat(socketOne.config().isAutoRead()).isTrue();
        assertThat(socketTwo.config().isAutoRead()).isTrue();
        ReferenceCountUtil.release(control.readOutbound()); // the Ping
        ReferenceCountUtil.release(control.readOutbound()); // the 64 bytes
    }

    @Test
    void aStalledStreamDoesNotStallTheOthers() {
        StreamEndpoint one = table.create(1, ended::add);
        StreamEndpoint two = table.create(2, ended::add);
        EmbeddedChannel socketOne = attach(one);
        EmbeddedChannel socketTwo = attach(two);
        one.open(10);
        two.open(1000);

        socketOne.writeInbound(bytes(50, 0));
        socketTwo.writeInbound(bytes(50, 0));
        assertThat(sent()).containsExactly(data(1, 10, 0), data(2, 50, 0));
        assertThat(socketOne.config().isAutoRead()).isFalse();
        assertThat(socketTwo.config().isAutoRead()).isTrue();
        assertThat(one.bufferedBytes()).isEqualTo(40);
        assertThat(two.bufferedBytes()).isZero();
    }

    // ---- control to socket: data, receive window, credit

    @Test
    void peerDataIsWrittenToTheSocketAndCreditReturnedInQuarterWindows() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(100);

        table.handle(new StreamData(1, bytes(10, 0)));
        assertThat(socket.outboundMessages()).as("socket flushed by the table's task").isEmpty();
        assertThat(stream.bufferedBytes()).isEqualTo(10);

        // 10 written is below a quarter of 64: no credit yet
        assertThat(sent()).isEmpty();
        assertThat(written(socket)).isEqualTo(hex(10, 0));
        assertThat(stream.bufferedBytes()).isZero();

        // 16 written reaches the quarter: all of it goes back in one update
        table.handle(new StreamData(1, bytes(6, 10)));
        assertThat(sent()).containsExactly(new WindowUpdate(1, RECEIVE_WINDOW / 4));
        assertThat(written(socket)).isEqualTo(hex(6, 10));
        assertThat(stream.bytesToSocket()).isEqualTo(16);
    }

    @Test
    void creditReturnsOnlyAfterTheBytesWereWritten() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(100);

        table.handle(new StreamData(1, bytes(RECEIVE_WINDOW, 0)));
        // Nothing flushed to the socket yet: the whole window is still held here.
        ByteBuf oneMore = bytes(1, 0);
        assertThatThrownBy(() -> table.handle(new StreamData(1, oneMore)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("flow-control window exceeded");
        assertThat(oneMore.refCnt()).isZero();

        assertThat(sent()).containsExactly(new WindowUpdate(1, RECEIVE_WINDOW));
        assertThat(written(socket)).isEqualTo(hex(RECEIVE_WINDOW, 0));
        table.handle(new StreamData(1, bytes(RECEIVE_WINDOW, 0)));
        assertThat(sent()).containsExactly(new WindowUpdate(1, RECEIVE_WINDOW));
        written(socket);
    }

    @Test
    void dataBeyondTheAdvertisedWindowIsAProtocolError() {
        StreamEndpoint stream = table.create(1, ended::add);
        attach(stream);
        stream.open(100);
        ByteBuf tooMuch = bytes(RECEIVE_WINDOW + 1, 0);
        assertThatThrownBy(() -> table.handle(new StreamData(1, tooMuch)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("flow-control window exceeded: 65 bytes with 64 of credit");
        assertThat(tooMuch.refCnt()).isZero();
    }

    @Test
    void windowUpdateThatOverflowsIsAProtocolError() {
        StreamEndpoint stream = table.create(1, ended::add);
        attach(stream);
        stream.open(Frames.MAX_WINDOW);
        assertThatThrownBy(() -> table.handle(new WindowUpdate(1, 1)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("window overflow");

        StreamEndpoint other = table.create(2, ended::add);
        other.open(100);
        assertThatThrownBy(() -> table.handle(new WindowUpdate(2, Integer.MAX_VALUE - 99)))
                .isInstanceOf(ProtocolException.class);
        table.handle(new WindowUpdate(2, Integer.MAX_VALUE - 100));
    }

    @Test
    void windowUpdateBeforeAcceptAndAcceptingTwiceAreProtocolErrors() {
        StreamEndpoint stream = table.create(1, ended::add);
        assertThatThrownBy(() -> table.handle(new WindowUpdate(1, 10)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("before the stream was accepted");
        stream.open(10);
        assertThatThrownBy(() -> stream.open(10))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("stream 1 accepted twice");
    }

    // ---- stream ids

    @Test
    void framesForAnIdNeverOpenedAreProtocolErrors() {
        table.create(1, ended::add);
        ByteBuf payload = bytes(5, 0);
        assertThatThrownBy(() -> table.handle(new StreamData(2, payload)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("STREAM_DATA for stream 2, which was never opened");
        assertThat(payload.refCnt()).isZero();
        assertThatThrownBy(() -> table.handle(new WindowUpdate(7, 1))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> table.handle(new StreamHalfClose(7))).isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> table.handle(new StreamReset(7, "x"))).isInstanceOf(ProtocolException.class);
    }

    @Test
    void framesForAnEndedStreamAreDroppedAndReleased() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(100);
        table.create(2, ended::add);
        table.handle(new StreamReset(1, "gone"));
        assertThat(table.get(1)).isNull();

        // In flight when the stream ended: silently dropped.
        ByteBuf late = bytes(5, 0);
        assertThat(table.handle(new StreamData(1, late))).isTrue();
        assertThat(late.refCnt()).isZero();
        assertThat(table.handle(new WindowUpdate(1, 10))).isTrue();
        assertThat(table.handle(new StreamHalfClose(1))).isTrue();
        assertThat(table.handle(new StreamReset(1, "again"))).isTrue();
        assertThat(sent()).isEmpty();
        assertThat(socket.outboundMessages()).isEmpty();
    }

    @Test
    void idsBelowTheHighestSeenAreTreatedAsEndedEvenIfSkipped() {
        table.create(5, ended::add);
        ByteBuf late = bytes(1, 0);
        assertThat(table.handle(new StreamData(3, late))).isTrue();
        assertThat(late.refCnt()).isZero();
    }

    @Test
    void idsOnlyGrow() {
        assertThat(table.nextStreamId()).isEqualTo(1);
        table.create(table.nextStreamId(), ended::add);
        assertThat(table.nextStreamId()).isEqualTo(2);
        table.create(10, ended::add);
        assertThat(table.nextStreamId()).isEqualTo(11);
        assertThatThrownBy(() -> table.create(10, ended::add))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("stream id 10 not above the highest seen, 10");
        assertThatThrownBy(() -> table.create(3, ended::add)).isInstanceOf(ProtocolException.class);
        table.create(Integer.MAX_VALUE, ended::add);
        assertThatThrownBy(table::nextStreamId).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nonStreamFramesAreLeftAlone() {
        assertThat(table.handle(new Ping(1))).isFalse();
    }

    // ---- half-close, reset, close

    @Test
    void halfCloseInBothDirectionsEndsTheStream() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(100);

        socket.writeInbound(bytes(10, 0));
        socket.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(sent()).containsExactly(data(1, 10, 0), new StreamHalfClose(1));
        assertThat(socket.config().isAutoRead()).isFalse();
        assertThat(stream.isClosed()).isFalse();

        // The other direction still carries data until the peer half-closes too.
        table.handle(new StreamData(1, bytes(3, 0)));
        control.runPendingTasks();
        assertThat(written(socket)).isEqualTo(hex(3, 0));
        table.handle(new StreamHalfClose(1));
        control.runPendingTasks();

        assertThat(stream.isClosed()).isTrue();
        assertThat(stream.closeReason()).isNull();
        assertThat(ended).containsExactly(stream);
        assertThat(table.size()).isZero();
        assertThat(socket.isOpen()).isFalse();
        assertThat(sent()).as("a normal end sends no reset").isEmpty();
    }

    @Test
    void halfCloseFollowsDataStillWaitingForCredit() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(10);

        socket.writeInbound(bytes(30, 0));
        socket.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(sent()).containsExactly(data(1, 10, 0));

        table.handle(new WindowUpdate(1, 100));
        assertThat(sent()).containsExactly(data(1, 20, 10), new StreamHalfClose(1));
    }

    @Test
    void peerHalfCloseShutsTheSocketOutputAndForbidsMoreData() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(100);

        table.handle(new StreamData(1, bytes(4, 0)));
        table.handle(new StreamHalfClose(1));
        control.runPendingTasks();
        assertThat(written(socket)).as("data before the FIN is delivered").isEqualTo(hex(4, 0));
        assertThat(stream.isClosed()).isFalse();

        ByteBuf late = bytes(1, 0);
        assertThatThrownBy(() -> table.handle(new StreamData(1, late)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("stream 1: data after half-close");
        assertThat(late.refCnt()).isZero();
        assertThatThrownBy(() -> table.handle(new StreamHalfClose(1)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("stream 1: half-closed twice");

        // Our side can still send; its end finishes the stream.
        socket.writeInbound(bytes(7, 0));
        socket.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(sent()).containsExactly(data(1, 7, 0), new StreamHalfClose(1));
        assertThat(ended).containsExactly(stream);
    }

    @Test
    void peerHalfCloseBeforeTheSocketIsAttachedIsAppliedOnAttach() {
        StreamEndpoint stream = table.create(1, ended::add);
        stream.open(100);
        table.handle(new StreamHalfClose(1));
        EmbeddedChannel socket = attach(stream);
        socket.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(sent()).containsExactly(new StreamHalfClose(1));
        assertThat(ended).containsExactly(stream);
        assertThat(socket.isOpen()).isFalse();
    }

    @Test
    void peerResetClosesTheSocketWithoutAnswering() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(10);
        socket.writeInbound(bytes(30, 0)); // 20 bytes left waiting for credit
        sent();

        table.handle(new StreamReset(1, "connection refused: localhost:3000"));
        assertThat(socket.isOpen()).isFalse();
        assertThat(stream.isClosed()).isTrue();
        assertThat(stream.closeReason()).isEqualTo("connection refused: localhost:3000");
        assertThat(stream.bufferedBytes()).isZero();
        assertThat(ended).containsExactly(stream);
        assertThat(sent()).isEmpty();
    }

    @Test
    void socketCloseResetsTheStreamAndTellsThePeer() {
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        stream.open(10);
        socket.writeInbound(bytes(30, 0));
        sent();

        socket.close();
        assertThat(sent()).containsExactly(new StreamReset(1, "connection closed"));
        assertThat(stream.closeReason()).isEqualTo("connection closed");
        assertThat(ended).containsExactly(stream);
        assertThat(table.size()).isZero();
    }

    @Test
    void resetBeforeAttachClosesTheSocketOnAttach() {
        StreamEndpoint stream = table.create(1, ended::add);
        stream.reset("local target unreachable", true);
        assertThat(sent()).containsExactly(new StreamReset(1, "local target unreachable"));
        EmbeddedChannel socket = attach(stream);
        assertThat(socket.isOpen()).isFalse();
        assertThat(ended).containsExactly(stream);
        stream.reset("again", true);
        assertThat(sent()).as("reset is idempotent").isEmpty();
    }

    @Test
    void closeAllResetsEveryStreamSilently() {
        StreamEndpoint one = table.create(1, ended::add);
        StreamEndpoint two = table.create(2, ended::add);
        EmbeddedChannel socketOne = attach(one);
        EmbeddedChannel socketTwo = attach(two);
        one.open(100);
        socketOne.writeInbound(bytes(5, 0));

        table.closeAll("control connection lost");
        assertThat(socketOne.isOpen()).isFalse();
        assertThat(socketTwo.isOpen()).isFalse();
        assertThat(ended).containsExactlyInAnyOrder(one, two);
        assertThat(table.size()).isZero();
        assertThat(one.closeReason()).isEqualTo("control connection lost");
        // The data read before the close was already written; no reset follows it.
        assertThat(sent()).containsExactly(data(1, 5, 0));
    }

    // ---- early data (protocol 2): the server sends before the client accepts

    @Test
    void withEarlyDataTheSocketReadsBeforeTheAcceptAndTheAcceptGrantsTheRestOfTheWindow() {
        table.earlyData(40);
        StreamEndpoint stream = table.create(1, ended::add);
        EmbeddedChannel socket = attach(stream);
        assertThat(socket.config().isAutoRead()).as("reads before the peer accepted").isTrue();

        socket.writeInbound(bytes(50, 0));
        assertThat(sent()).as("only the early window goes out").containsExactly(data(1, 40, 0));
        assertThat(socket.config().isAutoRead()).isFalse();
        assertThatThrownBy(() -> table.handle(new WindowUpdate(1, 10))).as("credit before the accept")
                .isInstanceOf(ProtocolException.class);

        // The peer's window of 100 counts from the stream's first byte: 40 are spent, 60 remain.
        stream.open(100);
        assertThat(sent()).containsExactly(data(1, 10, 40));
        socket.writeInbound(bytes(60, 50));
        assertThat(sent()).containsExactly(data(1, 50, 50));
        assertThat(stream.bufferedBytes()).as("waits for credit").isEqualTo(10);
        assertThat(socket.config().isAutoRead()).isFalse();
    }

    @Test
    void anAcceptBelowTheEarlyWindowIsAProtocolError() {
        table.earlyData(40);
        StreamEndpoint stream = table.create(1, ended::add);
        attach(stream);
        assertThatThrownBy(() -> stream.open(39)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("below the early-data window");
        stream.open(40);
        assertThatThrownBy(() -> stream.open(40)).isInstanceOf(ProtocolException.class)
                .hasMessageContaining("accepted twice");
    }

    @Test
    void dataBeforeTheSocketIsAttachedIsWrittenOnAttachInOrderThenTheHalfClose() {
        StreamEndpoint stream = table.create(1, ended::add);
        stream.open(100);
        table.handle(new StreamData(1, bytes(10, 0)));
        table.handle(new StreamData(1, bytes(20, 10)));
        table.handle(new StreamHalfClose(1));
        assertThat(stream.bufferedBytes()).as("held for the socket, within the window").isEqualTo(30);
        assertThatThrownBy(() -> table.handle(new StreamData(1, bytes(1, 30)))).as("data after the half-close")
                .isInstanceOf(ProtocolException.class);

        EmbeddedChannel socket = attach(stream);
        control.runPendingTasks();
        assertThat(written(socket)).isEqualTo(hex(30, 0));
        assertThat(stream.bytesToSocket()).isEqualTo(30);
        assertThat(sent()).as("credit for what was written").containsExactly(new WindowUpdate(1, 30));
        // The FIN came after the data: the socket's output is done, its input still open.
        socket.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(sent()).containsExactly(new StreamHalfClose(1));
        assertThat(ended).containsExactly(stream);
    }

    @Test
    void dataHeldForASocketThatNeverCameIsReleasedByTheReset() {
        StreamEndpoint stream = table.create(1, ended::add);
        stream.open(100);
        ByteBuf early = bytes(10, 0);
        table.handle(new StreamData(1, early));
        stream.reset("cannot reach the target", true);
        assertThat(early.refCnt()).isZero();
        assertThat(sent()).containsExactly(new StreamReset(1, "cannot reach the target"));
        assertThat(ended).containsExactly(stream);
    }

    @Test
    void attachingTwiceIsABug() {
        StreamEndpoint stream = table.create(1, ended::add);
        attach(stream);
        assertThatThrownBy(() -> stream.attach(new EmbeddedChannel()))
                .isInstanceOf(IllegalStateException.class);
    }

    // ---- helpers

    /** A stream socket as both ends create it: reads off until the stream says otherwise. */
    private EmbeddedChannel attach(StreamEndpoint stream) {
        EmbeddedChannel socket = new EmbeddedChannel(new StreamSocketHandler(stream));
        socket.config().setAutoRead(false);
        sockets.add(socket);
        stream.attach(socket);
        return socket;
    }

    /**
     * Runs the table's flush and returns what reached the control channel. {@link StreamData} comes back as
     * {@link Sent} (stream id and bytes) so it compares by value; its buffer is released here.
     */
    private List<Object> sent() {
        control.runPendingTasks();
        List<Object> frames = new ArrayList<>();
        for (Object m; (m = control.readOutbound()) != null; ) {
            if (m instanceof StreamData d) {
                frames.add(new Sent(d.streamId(), ByteBufUtil.hexDump(d.content())));
                d.release();
            } else {
                frames.add(m);
                ReferenceCountUtil.release(m);
            }
        }
        return frames;
    }

    /** The bytes the socket wrote out since the last call, in hex; the buffers are released. */
    private static String written(EmbeddedChannel socket) {
        StringBuilder all = new StringBuilder();
        for (Object m; (m = socket.readOutbound()) != null; ) {
            all.append(ByteBufUtil.hexDump((ByteBuf) m));
            ReferenceCountUtil.release(m);
        }
        return all.toString();
    }

    /** The {@link StreamData} expected for {@code bytes(length, first)}. */
    private static Sent data(int streamId, int length, int first) {
        return new Sent(streamId, hex(length, first));
    }

    private static String hex(int length, int first) {
        ByteBuf b = fill(Unpooled.buffer(length), length, first);
        try {
            return ByteBufUtil.hexDump(b);
        } finally {
            b.release();
        }
    }

    /** {@code length} bytes counting up from {@code first}, so that order and offsets are visible. */
    private ByteBuf bytes(int length, int first) {
        ByteBuf b = fill(Unpooled.buffer(length), length, first);
        created.add(b);
        return b;
    }

    private static ByteBuf fill(ByteBuf b, int length, int first) {
        for (int i = 0; i < length; i++) {
            b.writeByte(first + i);
        }
        return b;
    }

    /** A {@link StreamData} as sent: compares by value. */
    private record Sent(int streamId, String hex) {
    }
}
