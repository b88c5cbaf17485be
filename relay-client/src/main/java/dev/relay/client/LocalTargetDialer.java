package dev.relay.client;

import dev.relay.protocol.stream.StreamEndpoint;
import dev.relay.protocol.stream.StreamSocketHandler;
import dev.relay.protocol.transport.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

/**
 * Dials the local target for each stream, on the control channel's event loop, so that the stream and both of its
 * sockets are touched by one thread. The socket starts with reading off; the stream turns it on when it may send.
 */
final class LocalTargetDialer {
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    private final Bootstrap bootstrap;

    LocalTargetDialer(EventLoop loop) {
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(Transports.current().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                // TCP_NODELAY is on already: Netty sets it on every socket it creates (TransportsTest proves it).
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, CONNECT_TIMEOUT_MILLIS);
    }

    void dial(StreamEndpoint stream, Tunnel tunnel, String userAddress) {
        TunnelOptions options = tunnel.options();
        Bootstrap b = bootstrap.clone().handler(new StreamSocketHandler(stream));
        b.connect(options.localHost(), options.localPort()).addListener((ChannelFuture f) -> {
            if (!f.isSuccess()) {
                stream.reset("cannot reach " + options.target() + ": " + f.cause().getMessage(), true);
                return;
            }
            if (stream.isClosed()) {
                f.channel().close();
                return;
            }
            if (options.proxyProtocol() != TunnelOptions.ProxyProtocol.NONE) {
                writeProxyHeader(f.channel(), options.proxyProtocol(), userAddress, tunnel.publicPort());
            }
            // Accept before attaching: the accept must precede the first data frame of the stream.
            stream.sendAccept();
            stream.attach(f.channel());
        });
    }

    /**
     * Sends the PROXY protocol header first on the target connection. The source is the user's address; the
     * destination is the tunnel's public port on an unspecified address, since the client does not know which of
     * the server's addresses the user dialled.
     */
    private static void writeProxyHeader(Channel target, TunnelOptions.ProxyProtocol version, String userAddress,
            int publicPort) {
        HostAndPort user = HostAndPort.parse(userAddress);
        boolean v6 = user.host().indexOf(':') >= 0;
        HAProxyMessage header = new HAProxyMessage(
                version == TunnelOptions.ProxyProtocol.V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY, v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4,
                user.host(), v6 ? "::" : "0.0.0.0", user.port(), publicPort);
        target.pipeline().addFirst("proxyProtocol", HAProxyMessageEncoder.INSTANCE);
        target.writeAndFlush(header);
        target.pipeline().remove("proxyProtocol");
    }

    /** An address as Java prints it: {@code [host]/ip:port}, the IP possibly IPv6 without brackets. */
    record HostAndPort(String host, int port) {
        static HostAndPort parse(String address) {
            String s = address.substring(address.indexOf('/') + 1);
            int colon = s.lastIndexOf(':');
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new HostAndPort(host, Integer.parseInt(s.substring(colon + 1)));
        }
    }
}
