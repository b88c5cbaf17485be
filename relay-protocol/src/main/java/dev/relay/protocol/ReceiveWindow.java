package dev.relay.protocol;

import java.util.function.LongSupplier;

/**
 * The receiver's side of one stream's window. It counts bytes received and not yet written out; a peer that sends
 * beyond the window breaks the protocol. Credit is returned in batches once a quarter of the window has been
 * written, so a bulk transfer costs one {@link WindowUpdate} per quarter window rather than one per frame.
 *
 * <p>The window tunes itself to the path, as yamux and HTTP/2 stacks do: when a whole window was written out in
 * less than two round trips, the window, not the reader, limits the stream, so it doubles (the extra credit rides on
 * the next update), up to a maximum. A slow reader never makes it grow, so memory per stream stays bounded by the
 * window, and the window by its maximum. Not thread safe: one event loop owns it.
 */
public final class ReceiveWindow {
    private final int maxWindow;
    private final LongSupplier rttNanos;
    private final LongSupplier clock;
    private int window;
    private int threshold;
    private int outstanding;
    private int unreturned;
    private long epochStart;
    private long epochBytes;

    /** A fixed window. */
    public ReceiveWindow(int window) {
        this(window, window, () -> 0, System::nanoTime);
    }

    /**
     * A window that starts at {@code window} and may grow to {@code maxWindow}.
     *
     * @param rttNanos the connection's round-trip time, 0 while unknown (no growth then)
     * @param clock    nanoseconds, {@link System#nanoTime()} outside tests
     */
    public ReceiveWindow(int window, int maxWindow, LongSupplier rttNanos, LongSupplier clock) {
        Frames.checkWindow(window);
        if (maxWindow < window) {
            throw new IllegalArgumentException("maxWindow: " + maxWindow + " (expected: >= window " + window + ")");
        }
        this.window = window;
        this.maxWindow = maxWindow;
        this.rttNanos = rttNanos;
        this.clock = clock;
        this.threshold = Math.max(1, window / 4);
    }

    /** The window advertised to the peer. */
    public int window() {
        return window;
    }

    /** Bytes received and not yet written to the destination: what this side buffers for the stream. */
    public int outstanding() {
        return outstanding;
    }

    /**
     * Records {@code bytes} received from the peer.
     *
     * @throws ProtocolException if they exceed the window the peer was given
     */
    public void received(int bytes) {
        if (bytes > window - outstanding - unreturned) {
            throw new ProtocolException("flow-control window exceeded: " + bytes + " bytes with "
                    + (window - outstanding - unreturned) + " of credit");
        }
        outstanding += bytes;
    }

    /**
     * Records {@code bytes} written to the destination.
     *
     * @return the credit to return to the peer now, or 0 to wait for more
     */
    public int written(int bytes) {
        if (bytes < 0 || bytes > outstanding) {
            throw new IllegalStateException("written: " + bytes + " (expected: 0-" + outstanding + ")");
        }
        outstanding -= bytes;
        unreturned += bytes;
        if (unreturned < threshold) {
            return 0;
        }
        int credit = unreturned;
        unreturned = 0;
        return credit + grow(credit);
    }

    /** Grows the window when it was used up in under two round trips; returns the growth, to grant as credit. */
    private int grow(int returned) {
        if (window >= maxWindow) {
            return 0;
        }
        long now = clock.getAsLong();
        if (epochBytes == 0 && epochStart == 0) {
            epochStart = now;
        }
        epochBytes += returned;
        if (epochBytes < window) {
            return 0;
        }
        long elapsed = now - epochStart;
        long rtt = rttNanos.getAsLong();
        epochStart = now;
        epochBytes = 0;
        if (rtt <= 0 || elapsed >= 2 * rtt) {
            return 0;
        }
        int growth = (int) Math.min(window, (long) maxWindow - window);
        window += growth;
        threshold = Math.max(1, window / 4);
        return growth;
    }
}
