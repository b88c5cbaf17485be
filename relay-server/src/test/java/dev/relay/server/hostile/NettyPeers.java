package dev.relay.server.hostile;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Users and a local target for load tests, on one Netty event loop each: thousands of connections without a thread
 * per connection.
 */
final class NettyPeers {
    private NettyPeers() {
    }

    /** An echo service: writes back whatever it reads. */
    static final class EchoTarget implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("load-target", true), NioIoHandler.newFactory());
        private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        private final Channel listener;

        EchoTarget() {
            listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            open.add(ch);
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ctx.write(msg);
                                }

                                @Override
                                public void channelReadComplete(ChannelHandlerContext ctx) {
                                    ctx.flush();
                                }

                                @Override
                                public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                    ctx.close(); // a reset from the relay's side is ordinary here
                                }
                            });
                        }
                    })
                    .bind(InetAddress.getLoopbackAddress(), 0).syncUninterruptibly().channel();
        }

        int port() {
            return ((InetSocketAddress) listener.localAddress()).getPort();
        }

        /** Connections open now. */
        int connections() {
            return open.size();
        }

        @Override
        public void close() {
            listener.close().syncUninterruptibly();
            open.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Users that each send a short ping and expect exactly it back. */
    static final class Users implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("load-users", true), NioIoHandler.newFactory());
        private final ChannelGroup open = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        private final Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                .handler(new ChannelInboundHandlerAdapter());

        /**
         * Connects to {@code port}, sends {@code ping} and completes with the channel once exactly {@code ping} came
         * back; the connection stays open unless {@code closeAfter}, in which case the future completes once it is
         * closed. Fails on a wrong byte, a close before the echo, or a connect failure.
         */
        CompletableFuture<Channel> ping(int port, String ping, boolean closeAfter) {
            byte[] expected = ping.getBytes(StandardCharsets.US_ASCII);
            CompletableFuture<Channel> result = new CompletableFuture<>();
            ChannelFuture connect = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    open.add(ch);
                    ch.pipeline().addLast(new Pinger(expected, result, closeAfter));
                }
            }).connect(InetAddress.getLoopbackAddress(), port);
            connect.addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) {
                    result.completeExceptionally(f.cause());
                }
            });
            return result;
        }

        int connections() {
            return open.size();
        }

        /** Closes every user connection and waits until they are closed. */
        void closeAll() {
            open.close().awaitUninterruptibly(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            closeAll();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static final class Pinger extends ChannelInboundHandlerAdapter {
        private final byte[] expected;
        private final CompletableFuture<Channel> result;
        private final boolean closeAfter;
        private int matched;

        Pinger(byte[] expected, CompletableFuture<Channel> result, boolean closeAfter) {
            this.expected = expected;
            this.result = result;
            this.closeAfter = closeAfter;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(expected));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            try {
                while (buf.isReadable()) {
                    byte b = buf.readByte();
                    if (matched >= expected.length || b != expected[matched]) {
                        result.completeExceptionally(new AssertionError("wrong byte " + b + " at " + matched
                                + " of the echo of '" + new String(expected, StandardCharsets.US_ASCII) + "'"));
                        ctx.close();
                        return;
                    }
                    matched++;
                }
            } finally {
                buf.release();
            }
            if (matched == expected.length) {
                if (closeAfter) {
                    ctx.close().addListener(f -> result.complete(ctx.channel()));
                } else {
                    result.complete(ctx.channel());
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!result.isDone()) {
                result.completeExceptionally(new AssertionError("closed after " + matched + " of "
                        + expected.length + " bytes of the echo"));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
            ctx.close();
        }
    }
}
