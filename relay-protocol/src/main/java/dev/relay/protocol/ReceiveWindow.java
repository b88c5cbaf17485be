package dev.relay.protocol;

/**
 * The receiver's side of one stream's window. It counts bytes received and not yet written out; a peer that sends
 * beyond the window breaks the protocol. Credit is returned in batches once a quarter of the window has been
 * written, so a bulk transfer costs one {@link WindowUpdate} per quarter window rather than one per frame.
 * Not thread safe: one event loop owns it.
 */
public final class ReceiveWindow {
    private final int window;
    private final int threshold;
    private int outstanding;
    private int unreturned;

    public ReceiveWindow(int window) {
        Frames.checkWindow(window);
        this.window = window;
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
        return credit;
    }
}
