package dev.relay.protocol.stream;

import dev.relay.protocol.ProtocolException;
import dev.relay.protocol.ReceiveWindow;
import dev.relay.protocol.SendWindow;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamHalfClose;
import dev.relay.protocol.StreamReset;
import dev.relay.protocol.WindowUpdate;
import dev.relay.protocol.transport.HalfClosingNioSocketChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.socket.SocketChannel;
import java.io.IOException;
import java.util.ArrayDeque;

/**
 * One end of a stream: a TCP socket (the user's on the server, the local target's on the client) bridged to a
 * stream id on the control connection, with credit-based flow control in both directions.
 *
 * <p>Everything here runs on the control channel's event loop, which is also the socket's, so the state needs no
 * locks. The socket reads only while the peer has credit for us, nothing read is still waiting to be sent, and the
 * control channel is writable. Credit goes back to the peer only once its bytes have been written to the socket,
 * so this side never holds more than the window it advertised for the stream.
 */
public final class StreamEndpoint {
    /** Which side ended the stream first. */
    public enum Ending {
        /** The socket: end of input, or an abrupt close. */
        SOCKET,
        /** The peer: a half-close or a reset over the control connection. */
        PEER,
        /** This side: {@link #reset(String, boolean)} called by the application. */
        LOCAL
    }

    private final int id;
    private final StreamTable table;
    private final ReceiveWindow receiveWindow;
    private SendWindow sendWindow;
    /** Credit granted before the peer accepted the stream (early data), deducted from its window when it does. */
    private int earlyWindow;
    private boolean accepted;
    private Channel socket;
    private ByteBuf pending;
    /** Data the peer sent before this side had a socket to write it to (early data), in order. */
    private ArrayDeque<ByteBuf> unattached;
    private boolean socketInputDone;
    private boolean halfCloseSent;
    private boolean peerHalfClosed;
    private boolean socketOutputDone;
    private boolean closed;
    // Written on the event loop only; volatile so that the admin API and metrics read them from other threads.
    private volatile long bytesFromSocket;
    private volatile long bytesToSocket;
    private String closeReason;
    private volatile Ending ending;

    StreamEndpoint(int id, StreamTable table, int receiveWindow) {
        this.id = id;
        this.table = table;
        this.receiveWindow = new ReceiveWindow(receiveWindow, Math.max(receiveWindow, table.maxReceiveWindow()),
                table::rttNanos, System::nanoTime);
    }

    public int id() {
        return id;
    }

    /** Bytes read from the socket and sent to the peer. */
    public long bytesFromSocket() {
        return bytesFromSocket;
    }

    /** Bytes received from the peer and written to the socket. */
    public long bytesToSocket() {
        return bytesToSocket;
    }

    /** Bytes this side holds for the stream: received and not yet written, plus read and not yet sent. */
    public int bufferedBytes() {
        return receiveWindow.outstanding() + (pending == null ? 0 : pending.readableBytes());
    }

    /** The window this side advertised to the peer. */
    public int receiveWindow() {
        return receiveWindow.window();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Why the stream ended, once it has; {@code null} while it is open or when it ended normally. */
    public String closeReason() {
        return closeReason;
    }

    /** Which side ended the stream first, or {@code null} while neither has. */
    public Ending ending() {
        return ending;
    }

    /** Binds the socket to this stream. The socket must be registered on the control channel's event loop. */
    public void attach(Channel socket) {
        if (this.socket != null) {
            throw new IllegalStateException("stream " + id + " already has a socket");
        }
        this.socket = socket;
        socket.config().setRecvByteBufAllocator(new CreditLimitedRecvAllocator(this::sendCredit));
        if (closed) {
            socket.close();
            return;
        }
        if (unattached != null) {
            for (ByteBuf data = unattached.poll(); data != null; data = unattached.poll()) {
                writeToSocket(data);
            }
            unattached = null;
            table.flushLater(socket);
        }
        if (peerHalfClosed) {
            shutdownSocketOutput();
        }
        updateReadState();
    }

    /**
     * Lets this side send up to {@code window} bytes before the peer accepts the stream (early data, protocol 2):
     * the socket reads at once instead of one round trip later. The peer's accept then grants the rest of its window.
     */
    void allowEarlyData(int window) {
        if (sendWindow != null) {
            throw new IllegalStateException("stream " + id + " already has credit");
        }
        sendWindow = new SendWindow(window);
        earlyWindow = window;
    }

    /** The peer is ready to receive and granted {@code window} bytes of credit. */
    public void open(int window) {
        if (accepted) {
            throw new ProtocolException("stream " + id + " accepted twice");
        }
        if (sendWindow != null && window < earlyWindow) {
            throw new ProtocolException("stream " + id + ": window " + window + " is below the early-data window "
                    + earlyWindow);
        }
        accepted = true;
        if (sendWindow == null) {
            sendWindow = new SendWindow(window);
        } else if (window > earlyWindow) {
            // The window counts from the stream's first byte, and the early window was part of it.
            sendWindow.grant(window - earlyWindow);
        }
        drain();
    }

    /** Tells the peer that this side reached its socket and grants it this side's window. */
    public void sendAccept() {
        table.send(new StreamAccept(id, receiveWindow.window()));
    }

    // ---- from the socket

    void onSocketRead(ByteBuf data) {
        if (closed) {
            data.release();
            return;
        }
        bytesFromSocket += data.readableBytes();
        if (pending == null) {
            pending = data;
        } else {
            CompositeByteBuf composite = pending instanceof CompositeByteBuf c ? c
                    : Unpooled.compositeBuffer(Integer.MAX_VALUE).addComponent(true, pending);
            pending = composite.addComponent(true, data);
        }
        drain();
    }

    void onSocketInputShutdown() {
        endedBy(Ending.SOCKET);
        socketInputDone = true;
        drain();
    }

    void onSocketClosed() {
        if (!closed) {
            endedBy(Ending.SOCKET);
            reset("connection closed", true);
        }
    }

    // ---- from the peer

    void onData(StreamData frame) {
        int bytes = frame.content().readableBytes();
        if (peerHalfClosed) {
            frame.release();
            throw new ProtocolException("stream " + id + ": data after half-close");
        }
        try {
            receiveWindow.received(bytes);
        } catch (ProtocolException e) {
            frame.release();
            throw e;
        }
        if (closed) {
            frame.release();
            return;
        }
        if (socket == null) {
            // Early data: the socket is still connecting. The receive window bounds what waits here.
            if (unattached == null) {
                unattached = new ArrayDeque<>(4);
            }
            unattached.add(frame.content());
            return;
        }
        if (!socket.isActive()) {
            frame.release();
            return;
        }
        writeToSocket(frame.content());
        table.flushLater(socket);
    }

    private void writeToSocket(ByteBuf data) {
        int bytes = data.readableBytes();
        bytesToSocket += bytes;
        socket.write(data).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                written(bytes);
            } else {
                // Never leave the stream hanging: what could not be written is lost, so both ends must know.
                reset("write to the socket failed: " + f.cause(), true);
            }
        });
    }

    void onWindowUpdate(int increment) {
        if (!accepted) {
            throw new ProtocolException("stream " + id + ": window update before the stream was accepted");
        }
        sendWindow.grant(increment);
        drain();
    }

    void onPeerHalfClose() {
        if (peerHalfClosed) {
            throw new ProtocolException("stream " + id + ": half-closed twice");
        }
        peerHalfClosed = true;
        endedBy(Ending.PEER);
        if (socket != null && !closed) {
            shutdownSocketOutput();
        }
    }

    void onPeerReset(String reason) {
        endedBy(Ending.PEER);
        reset(reason, false);
    }

    void controlWritabilityChanged() {
        updateReadState();
    }

    /** Aborts the stream: closes the socket, drops what is buffered, and tells the peer if {@code notifyPeer}. */
    public void reset(String reason, boolean notifyPeer) {
        if (closed) {
            return;
        }
        endedBy(Ending.LOCAL);
        closed = true;
        closeReason = reason;
        releasePending();
        if (notifyPeer) {
            table.send(new StreamReset(id, reason));
        }
        if (socket != null) {
            socket.close();
        }
        table.removed(this);
    }

    // ---- internals

    private void endedBy(Ending side) {
        if (ending == null) {
            ending = side;
        }
    }

    private int sendCredit() {
        return sendWindow == null ? 0 : sendWindow.available();
    }

    private void written(int bytes) {
        int credit = receiveWindow.written(bytes);
        if (credit > 0 && !closed) {
            table.send(new WindowUpdate(id, credit));
        }
    }

    private void drain() {
        if (closed) {
            return;
        }
        if (pending != null && sendWindow != null) {
            int max = table.maxDataPayload();
            boolean sent = false;
            while (pending.isReadable() && sendWindow.available() > 0) {
                int n = Math.min(pending.readableBytes(), Math.min(sendWindow.available(), max));
                sendWindow.consume(n);
                table.write(new StreamData(id, pending.readRetainedSlice(n)));
                sent = true;
            }
            if (!pending.isReadable()) {
                releasePending();
            }
            if (sent) {
                table.flushControlLater();
            }
        }
        if (socketInputDone && pending == null && !halfCloseSent) {
            halfCloseSent = true;
            table.send(new StreamHalfClose(id));
            finishIfDone();
        }
        updateReadState();
    }

    private void shutdownSocketOutput() {
        // The empty write completes after every earlier write, so the FIN follows the last byte.
        socket.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (closed) {
                return;
            }
            if (!f.isSuccess()) {
                reset("write to the socket failed: " + f.cause(), true);
                return;
            }
            if (socketInputDone) {
                // Both directions end: the close that follows sends the FIN. Netty's shutdownOutput would also
                // build an exception (with its stack trace) for every connection, only to throw it away.
                socketOutputDone = true;
                finishIfDone();
                return;
            }
            if (socket instanceof HalfClosingNioSocketChannel s) {
                // Everything before the empty write is written, and nothing is written after it.
                try {
                    s.shutdownOutputNow();
                } catch (IOException e) {
                    reset("shutting down the socket's output failed: " + e, true);
                    return;
                }
                socketOutputDone = true;
                finishIfDone();
            } else if (socket instanceof SocketChannel s && !s.isOutputShutdown()) {
                s.shutdownOutput().addListener((ChannelFutureListener) done -> {
                    socketOutputDone = true;
                    finishIfDone();
                });
            } else {
                socketOutputDone = true;
                finishIfDone();
            }
        });
    }

    private void finishIfDone() {
        if (closed || !halfCloseSent || !socketOutputDone) {
            return;
        }
        closed = true;
        socket.close();
        table.removed(this);
    }

    private void updateReadState() {
        if (socket == null || closed) {
            return;
        }
        boolean read = sendWindow != null && sendWindow.available() > 0 && pending == null && !socketInputDone
                && table.isWritable();
        if (socket.config().isAutoRead() != read) {
            socket.config().setAutoRead(read);
        }
    }

    private void releasePending() {
        if (pending != null) {
            pending.release();
            pending = null;
        }
        if (unattached != null) {
            for (ByteBuf data = unattached.poll(); data != null; data = unattached.poll()) {
                data.release();
            }
            unattached = null;
        }
    }

    @Override
    public String toString() {
        return "stream " + id;
    }
}
