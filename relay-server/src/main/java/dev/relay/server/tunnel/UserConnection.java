package dev.relay.server.tunnel;

import dev.relay.protocol.stream.StreamEndpoint;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One user connected to a tunnel's public port, carried to the client as one stream. */
public final class UserConnection {
    private final long id;
    private final Tunnel tunnel;
    private final StreamEndpoint stream;
    private final Channel channel;
    private final String remoteAddress;
    private final Instant openedAt;
    private final InetAddress sourceAddress;
    /** Set when the server closes the connection itself: admin, client gone, shutdown, tunnel closed. */
    private volatile String cause;

    /** A connection that ended: what the audit trail and metrics hear. */
    public record Closed(Info info, String clientId, Duration duration, String reason) {
    }

    /** A read-only view for the admin API. */
    public record Info(long id, int tunnelId, int streamId, String remoteAddress, Instant openedAt, long bytesIn,
            long bytesOut) {
    }

    UserConnection(long id, Tunnel tunnel, StreamEndpoint stream, Channel channel, String remoteAddress,
            Instant openedAt) {
        this.id = id;
        this.tunnel = tunnel;
        this.stream = stream;
        this.channel = channel;
        this.remoteAddress = remoteAddress;
        this.openedAt = openedAt;
        this.sourceAddress = channel.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    }

    InetAddress sourceAddress() {
        return sourceAddress;
    }

    /** Why the connection ended, as the audit trail says it. */
    String endReason() {
        String c = cause;
        if (c != null) {
            return c;
        }
        StreamEndpoint.Ending ending = stream.ending();
        if (ending == StreamEndpoint.Ending.SOCKET) {
            return "user-closed";
        }
        if (ending == StreamEndpoint.Ending.PEER) {
            String r = stream.closeReason();
            return r != null && r.startsWith("cannot reach") ? "target-unreachable" : "target-closed";
        }
        return "closed";
    }

    Closed closed() {
        return new Closed(info(), tunnel.session().id(), Duration.between(openedAt, Instant.now()), endReason());
    }

    public long id() {
        return id;
    }

    public Tunnel tunnel() {
        return tunnel;
    }

    public String remoteAddress() {
        return remoteAddress;
    }

    /** Bytes received from the user. */
    public long bytesIn() {
        return stream.bytesFromSocket();
    }

    /** Bytes sent to the user. */
    public long bytesOut() {
        return stream.bytesToSocket();
    }

    /** Bytes the server holds for this connection: received and not yet written, read and not yet sent. */
    public int bufferedBytes() {
        if (channel.eventLoop().inEventLoop()) {
            return stream.bufferedBytes();
        }
        try {
            return channel.eventLoop().submit(stream::bufferedBytes).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("connection " + id + ": event loop did not answer", e);
        }
    }

    public Info info() {
        return new Info(id, tunnel.id(), stream.id(), remoteAddress, openedAt, bytesIn(), bytesOut());
    }

    /** Closes the user's connection and resets its stream, as an operator does; safe from any thread. */
    public void close(String reason) {
        channel.eventLoop().execute(() -> closeNow(reason, "admin"));
    }

    void closeNow(String reason, String cause) {
        if (this.cause == null) {
            this.cause = cause;
        }
        stream.reset(reason, true);
    }

    Channel channel() {
        return channel;
    }
}
