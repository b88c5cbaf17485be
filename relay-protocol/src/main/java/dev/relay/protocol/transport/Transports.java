package dev.relay.protocol.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import java.util.Locale;

/**
 * The I/O transport both ends use: NIO by default; Netty's native epoll with the system property
 * {@code relay.transport=epoll} (or {@code auto}: epoll where it loads).
 *
 * <p>NIO is the default because, with Netty 4.2.18's epoll transport, a socket whose interest set became empty is
 * removed from epoll while Netty still takes it for registered; the next write then fails with
 * {@code epoll_ctl(..) failed with error(-2)} and a half-closed transfer loses its tail (seen by
 * {@code hostile.FaultScenariosTest#userThatHalfClosesStillReceivesTheWholeResponse}). Revisit with a newer Netty.
 */
public enum Transports {
    EPOLL, NIO;

    /** The property that picks the transport. */
    public static final String PROPERTY = "relay.transport";

    /** The transport in use in this JVM. */
    public static Transports current() {
        String wanted = System.getProperty(PROPERTY, "nio").toLowerCase(Locale.ROOT);
        switch (wanted) {
            case "nio":
                return NIO;
            case "epoll":
                Epoll.ensureAvailability();
                return EPOLL;
            case "auto":
                return Epoll.isAvailable() ? EPOLL : NIO;
            default:
                throw new IllegalArgumentException(PROPERTY + ": '" + wanted + "' (expected: auto, epoll or nio)");
        }
    }

    public IoHandlerFactory ioHandlerFactory() {
        return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    public Class<? extends ServerChannel> serverChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : HalfClosingNioServerSocketChannel.class;
    }

    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : HalfClosingNioSocketChannel.class;
    }
}
