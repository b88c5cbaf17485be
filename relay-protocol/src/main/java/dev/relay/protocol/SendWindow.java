package dev.relay.protocol;

/**
 * The credit a sender holds for one stream: how many more bytes it may send before the receiver returns credit
 * with a {@link WindowUpdate}. Not thread safe: one event loop owns it.
 */
public final class SendWindow {
    private long available;

    public SendWindow(int initial) {
        Frames.checkWindow(initial);
        this.available = initial;
    }

    /** Bytes that may be sent now. */
    public int available() {
        return (int) available;
    }

    /** Charges {@code bytes} that were just sent. */
    public void consume(int bytes) {
        if (bytes < 0 || bytes > available) {
            throw new IllegalStateException("consume: " + bytes + " (expected: 0-" + available + ")");
        }
        available -= bytes;
    }

    /**
     * Adds credit returned by the receiver.
     *
     * @throws ProtocolException if the window would exceed {@link Frames#MAX_WINDOW}
     */
    public void grant(int increment) {
        if (increment <= 0) {
            throw new ProtocolException("window increment: " + increment + " (expected: > 0)");
        }
        long next = available + increment;
        if (next > Frames.MAX_WINDOW) {
            throw new ProtocolException("window overflow: " + available + " + " + increment + " (expected: <= "
                    + Frames.MAX_WINDOW + ")");
        }
        available = next;
    }
}
