package dev.relay.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.socket.SocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The transports' socket channels on real loopback sockets. */
class TransportsTest {

    static Stream<Transports> transports() {
        return Epoll.isAvailable() ? Stream.of(Transports.NIO, Transports.EPOLL) : Stream.of(Transports.NIO);
    }

    /** The relay relies on Netty's default instead of setting TCP_NODELAY on each user and target socket. */
    @ParameterizedTest
    @MethodSource("transports")
    void acceptedAndDialledSocketsHaveNoDelayWithoutAskingForIt(Transports transport) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        try {
            CompletableFuture<Channel> accepted = new CompletableFuture<>();
            Channel listener = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            accepted.complete(ch);
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            Channel dialled = new Bootstrap().group(group).channel(transport.socketChannel())
                    .handler(new ChannelInboundHandlerAdapter())
                    .connect(listener.localAddress()).sync().channel();
            Channel child = accepted.get(10, TimeUnit.SECONDS);

            assertThat(child.config().getOption(ChannelOption.TCP_NODELAY)).as("accepted").isTrue();
            assertThat(dialled.config().getOption(ChannelOption.TCP_NODELAY)).as("dialled").isTrue();
            dialled.close().sync();
            listener.close().sync();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /**
     * The peer sends its FIN: the channel reports the end of input once, as Netty does, without shutting the
     * socket's input down (the JDK socket says it is still open for reading), and can still answer before it sends
     * its own FIN.
     */
    @Test
    void peersFinEndsInputWithoutAShutdownCallAndTheAnswerStillGoesOut() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Transports.NIO.ioHandlerFactory());
        try {
            List<Object> events = new ArrayList<>();
            AtomicInteger exceptions = new AtomicInteger();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            CompletableFuture<Boolean> jdkInputShutAtEnd = new CompletableFuture<>();
            CompletableFuture<Boolean> nettyInputShutAtEnd = new CompletableFuture<>();
            Channel listener = new ServerBootstrap().group(group).channel(Transports.NIO.serverChannel())
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf buf = (ByteBuf) msg;
                            byte[] bytes = new byte[buf.readableBytes()];
                            buf.readBytes(bytes);
                            buf.release();
                            received.writeBytes(bytes);
                        }

                        @Override
                        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            events.add(evt);
                            if (evt == ChannelInputShutdownEvent.INSTANCE) {
                                HalfClosingNioSocketChannel ch = (HalfClosingNioSocketChannel) ctx.channel();
                                nettyInputShutAtEnd.complete(ch.isInputShutdown());
                                jdkInputShutAtEnd.complete(ch.socketInputShutDown());
                                ch.writeAndFlush(Unpooled.copiedBuffer("pong:" + received.size(),
                                        StandardCharsets.US_ASCII)).addListener((ChannelFutureListener) f -> {
                                            ch.shutdownOutputNow();
                                        });
                            } else if (evt == ChannelInputShutdownReadComplete.INSTANCE) {
                                ctx.close();
                            }
                        }

                        @Override
                        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                            exceptions.incrementAndGet();
                            ctx.close();
                        }
                    })
                    .bind("127.0.0.1", 0).sync().channel();
            try (Socket peer = new Socket()) {
                peer.setSoTimeout(10_000);
                peer.connect((InetSocketAddress) listener.localAddress());
                peer.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
                peer.shutdownOutput();
                InputStream in = peer.getInputStream();
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("pong:4");
            }
            assertThat(nettyInputShutAtEnd.get(10, TimeUnit.SECONDS)).as("Netty's view: input done").isTrue();
            assertThat(jdkInputShutAtEnd.get(10, TimeUnit.SECONDS)).as("no shutdown(SHUT_RD) made").isFalse();
            listener.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            assertThat(events).filteredOn(e -> e == ChannelInputShutdownEvent.INSTANCE).hasSize(1);
            assertThat(exceptions).hasValue(0);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
