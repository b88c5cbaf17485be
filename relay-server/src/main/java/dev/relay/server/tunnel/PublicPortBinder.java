package dev.relay.server.tunnel;

import static java.util.Objects.requireNonNull;

import dev.relay.server.config.PortRange;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Binds tunnels' public ports: the one a client asks for, a free one in the configured range, or any free port.
 * Each listener and every user channel it accepts run on the owning client's event loop.
 */
public final class PublicPortBinder {
    private final String publicHost;
    private final String bindAddress;
    private final PortRange range;
    private final Set<Integer> inUse = ConcurrentHashMap.newKeySet();

    public PublicPortBinder(String publicHost, String bindAddress, PortRange range) {
        this.publicHost = requireNonNull(publicHost, "publicHost");
        this.bindAddress = requireNonNull(bindAddress, "bindAddress");
        this.range = range;
    }

    public String publicHost() {
        return publicHost;
    }

    /**
     * Binds a listener on {@code loop}. Completes on {@code loop} with the bound channel, or exceptionally with a
     * message fit to send to the client.
     */
    CompletableFuture<Channel> bind(EventLoop loop, int requestedPort, Consumer<SocketChannel> acceptor) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(loop, loop)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        acceptor.accept(ch);
                    }
                });
        CompletableFuture<Channel> result = new CompletableFuture<>();
        if (requestedPort != 0) {
            if (range != null && !range.contains(requestedPort)) {
                result.completeExceptionally(new IllegalArgumentException("port " + requestedPort
                        + " is outside the public port range " + range));
                return result;
            }
            bootstrap.bind(bindAddress, requestedPort).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    result.complete(track(f.channel()));
                } else {
                    result.completeExceptionally(new IllegalStateException("port " + requestedPort
                            + " is not available: " + f.cause().getMessage()));
                }
            });
            return result;
        }
        if (range == null) {
            bootstrap.bind(bindAddress, 0).addListener((ChannelFuture f) -> {
                if (f.isSuccess()) {
                    result.complete(track(f.channel()));
                } else {
                    result.completeExceptionally(new IllegalStateException("no public port could be bound: "
                            + f.cause().getMessage()));
                }
            });
            return result;
        }
        int start = ThreadLocalRandom.current().nextInt(range.size());
        tryRange(bootstrap, start, 0, result);
        return result;
    }

    private void tryRange(ServerBootstrap bootstrap, int start, int attempt, CompletableFuture<Channel> result) {
        while (attempt < range.size() && inUse.contains(portAt(start, attempt))) {
            attempt++;
        }
        if (attempt >= range.size()) {
            result.completeExceptionally(new IllegalStateException("no free public port in the range " + range));
            return;
        }
        int next = attempt + 1;
        bootstrap.bind(bindAddress, portAt(start, attempt)).addListener((ChannelFuture f) -> {
            if (f.isSuccess()) {
                result.complete(track(f.channel()));
            } else {
                tryRange(bootstrap, start, next, result);
            }
        });
    }

    private int portAt(int start, int attempt) {
        return range.low() + (start + attempt) % range.size();
    }

    private Channel track(Channel listener) {
        int port = ((InetSocketAddress) listener.localAddress()).getPort();
        inUse.add(port);
        listener.closeFuture().addListener(f -> inUse.remove(port));
        return listener;
    }
}
