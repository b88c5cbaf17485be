package dev.relay.protocol.stream;

import static java.util.Objects.requireNonNull;

import dev.relay.protocol.Frame;
import dev.relay.protocol.Frames;
import dev.relay.protocol.ProtocolException;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamHalfClose;
import dev.relay.protocol.StreamReset;
import dev.relay.protocol.WindowUpdate;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The streams of one control connection, and the dispatch of stream frames to them. Owned by the control channel's
 * event loop: every method must be called on it.
 *
 * <p>Stream ids only grow. A frame for an id at or below the highest id seen whose stream has already ended is
 * dropped (it was in flight when the stream ended); a frame for an id never opened is a protocol error.
 *
 * <p>Writes are flushed once per event-loop turn rather than once per frame: the first write of a turn schedules
 * one flush task that runs after the current read loop has finished.
 */
public final class StreamTable {
    private final Channel control;
    private final int receiveWindow;
    private final IntObjectMap<Entry> streams = new IntObjectHashMap<>();
    private final List<Channel> dirtySockets = new ArrayList<>();
    private final Runnable flushTask = this::flushNow;
    private int maxDataPayload = Frames.maxDataPayload(Frames.MIN_MAX_FRAME_LENGTH);
    private int highestStreamId;
    private int maxReceiveWindow;
    private int earlyDataWindow;
    private LongSupplier rttNanos = () -> 0;
    private boolean controlDirty;
    private boolean flushScheduled;

    private record Entry(StreamEndpoint endpoint, Consumer<StreamEndpoint> onClose) {
    }

    /**
     * @param control       the control connection
     * @param receiveWindow the window this side advertises for each new stream
     */
    public StreamTable(Channel control, int receiveWindow) {
        this.control = requireNonNull(control, "control");
        if (receiveWindow <= 0) {
            throw new IllegalArgumentException("receiveWindow: " + receiveWindow + " (expected: > 0)");
        }
        this.receiveWindow = receiveWindow;
        this.maxReceiveWindow = receiveWindow;
    }

    /**
     * Lets stream windows grow from the initial window up to {@code maxWindow} when the path, not the reader, limits
     * them, using the connection's round-trip time from {@code rttNanos}.
     */
    public StreamTable autoTune(int maxWindow, LongSupplier rttNanos) {
        if (maxWindow < receiveWindow) {
            throw new IllegalArgumentException("maxWindow: " + maxWindow + " (expected: >= " + receiveWindow + ")");
        }
        this.maxReceiveWindow = maxWindow;
        this.rttNanos = rttNanos;
        return this;
    }

    /**
     * Lets each stream this side creates send up to {@code window} bytes before the peer accepts it (protocol 2 and
     * later, on the server): see {@link dev.relay.protocol.Frames#EARLY_DATA_WINDOW}.
     */
    public StreamTable earlyData(int window) {
        if (window <= 0) {
            throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
        }
        this.earlyDataWindow = window;
        return this;
    }

    int maxReceiveWindow() {
        return maxReceiveWindow;
    }

    long rttNanos() {
        return rttNanos.getAsLong();
    }

    /** Sets the largest frame the peer accepts, learned in the handshake. */
    public void peerMaxFrameLength(int maxFrameLength) {
        if (maxFrameLength < Frames.MIN_MAX_FRAME_LENGTH) {
            throw new ProtocolException("peer maxFrameLength: " + maxFrameLength + " (expected: >= "
                    + Frames.MIN_MAX_FRAME_LENGTH + ")");
        }
        this.maxDataPayload = Frames.maxDataPayload(maxFrameLength);
    }

    /** The window this side advertises for each stream. */
    public int receiveWindow() {
        return receiveWindow;
    }

    /** The id the next stream opened by this side should take. */
    public int nextStreamId() {
        if (highestStreamId == Integer.MAX_VALUE) {
            throw new IllegalStateException("stream ids exhausted on " + control);
        }
        return highestStreamId + 1;
    }

    /**
     * Creates the stream {@code id}, which must be above every id seen so far.
     *
     * @param onClose called once when the stream ends, normally or by reset
     * @throws ProtocolException if the id does not grow
     */
    public StreamEndpoint create(int id, Consumer<StreamEndpoint> onClose) {
        if (id <= highestStreamId) {
            throw new ProtocolException("stream id " + id + " not above the highest seen, " + highestStreamId);
        }
        highestStreamId = id;
        StreamEndpoint endpoint = new StreamEndpoint(id, this, receiveWindow);
        if (earlyDataWindow > 0) {
            endpoint.allowEarlyData(earlyDataWindow);
        }
        streams.put(id, new Entry(endpoint, onClose));
        return endpoint;
    }

    /** The live stream {@code id}, or {@code null}. */
    public StreamEndpoint get(int id) {
        Entry e = streams.get(id);
        return e == null ? null : e.endpoint;
    }

    public int size() {
        return streams.size();
    }

    /**
     * Dispatches a stream frame: {@link StreamData}, {@link StreamHalfClose}, {@link StreamReset} or
     * {@link WindowUpdate}. Takes ownership of {@code frame}.
     *
     * @return false if {@code frame} is not a stream frame (and was left alone)
     * @throws ProtocolException if the frame breaks the protocol
     */
    public boolean handle(Frame frame) {
        if (frame instanceof StreamData data) {
            StreamEndpoint s = live(data.streamId(), frame);
            if (s == null) {
                data.release();
                return true;
            }
            s.onData(data);
        } else if (frame instanceof WindowUpdate update) {
            StreamEndpoint s = live(update.streamId(), frame);
            if (s != null) {
                s.onWindowUpdate(update.increment());
            }
        } else if (frame instanceof StreamHalfClose halfClose) {
            StreamEndpoint s = live(halfClose.streamId(), frame);
            if (s != null) {
                s.onPeerHalfClose();
            }
        } else if (frame instanceof StreamReset reset) {
            StreamEndpoint s = live(reset.streamId(), frame);
            if (s != null) {
                s.onPeerReset(reset.reason());
            }
        } else {
            return false;
        }
        return true;
    }

    /** Control channel writability changed: every stream re-decides whether its socket may read. */
    public void writabilityChanged() {
        for (Entry e : streams.values().toArray(new Entry[0])) {
            e.endpoint.controlWritabilityChanged();
        }
    }

    /** Resets every stream without telling the peer (the control connection is gone). */
    public void closeAll(String reason) {
        for (Entry e : streams.values().toArray(new Entry[0])) {
            e.endpoint.reset(reason, false);
        }
    }

    // ---- used by StreamEndpoint

    int maxDataPayload() {
        return maxDataPayload;
    }

    boolean isWritable() {
        return control.isWritable();
    }

    void write(Frame frame) {
        control.write(frame);
        controlDirty = true;
    }

    /** Writes a frame on the control connection; it is flushed at the end of this event-loop turn. */
    public void send(Frame frame) {
        write(frame);
        flushControlLater();
    }

    /**
     * Writes a frame and flushes it one event-loop turn later, with whatever that turn reads: a new stream's
     * STREAM_OPEN then shares one write (and one wake-up of the peer) with the user's first bytes, when they are
     * already waiting. A flush already due this turn takes it along sooner.
     */
    public void sendNextTurn(Frame frame) {
        write(frame);
        if (!flushScheduled) {
            flushScheduled = true;
            EventLoop loop = control.eventLoop();
            // A task scheduled from a task runs after the next I/O pass, not in the current task pass.
            loop.execute(() -> loop.schedule(flushTask, 0, TimeUnit.NANOSECONDS));
        }
    }

    void flushControlLater() {
        controlDirty = true;
        scheduleFlush();
    }

    void flushLater(Channel socket) {
        if (dirtySockets.isEmpty() || dirtySockets.get(dirtySockets.size() - 1) != socket) {
            dirtySockets.add(socket);
        }
        scheduleFlush();
    }

    void removed(StreamEndpoint endpoint) {
        Entry e = streams.remove(endpoint.id());
        if (e != null) {
            e.onClose.accept(endpoint);
        }
    }

    private StreamEndpoint live(int id, Frame frame) {
        Entry e = streams.get(id);
        if (e != null) {
            return e.endpoint;
        }
        if (id > highestStreamId) {
            if (frame instanceof StreamData data) {
                data.release();
            }
            throw new ProtocolException(frame.type() + " for stream " + id + ", which was never opened");
        }
        return null;
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            control.eventLoop().execute(flushTask);
        }
    }

    private void flushNow() {
        flushScheduled = false;
        if (!dirtySockets.isEmpty()) {
            for (Channel socket : dirtySockets) {
                socket.flush();
            }
            dirtySockets.clear();
        }
        if (controlDirty) {
            controlDirty = false;
            control.flush();
        }
    }
}
