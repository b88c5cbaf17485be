package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.ConnectionEvent;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayListener;
import dev.relay.client.Tunnel;
import dev.relay.client.TunnelOptions;
import dev.relay.client.TunnelOptions.ProxyProtocol;
import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.FrameCodec;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Welcome;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The embeddable client: events, PROXY protocol towards the local target, several tunnels on one connection. */
class ClientApiTest {
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void listenerHearsTunnelsAndConnectionsWithTheirBytes() throws Exception {
        LinkedBlockingQueue<ConnectionEvent> closed = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<String> tunnels = new LinkedBlockingQueue<>();
        RelayListener listener = new RelayListener() {
            @Override
            public void tunnelOpened(Tunnel tunnel) {
                tunnels.add("opened " + tunnel.publicAddress());
            }

            @Override
            public void tunnelClosed(Tunnel tunnel, String reason) {
                tunnels.add("closed " + tunnel.publicAddress() + ": " + reason);
            }

            @Override
            public void connectionClosed(ConnectionEvent event) {
                closed.add(event);
            }
        };
        try (EchoTarget ps = EchoTarget.named("ps");
                RelayClient client = RelayClient.builder().server("127.0.0.1", server.port())
                        .token(TestServer.TOKEN).listener(listener).connect()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            assertThat(tunnels.poll(10, TimeUnit.SECONDS)).isEqualTo("opened " + tunnel.publicAddress());
            try (User user = User.connect(tunnel.publicPort())) {
                assertThat(user.roundTrip("hello\n", 3)).isEqualTo("ps:hello\n");
            }
            ConnectionEvent event = closed.poll(10, TimeUnit.SECONDS);
            assertThat(event).isNotNull();
            assertThat(event.tunnel()).isSameAs(tunnel);
            assertThat(event.bytesFromUser()).isEqualTo(6);
            assertThat(event.bytesToUser()).isEqualTo(9);
            assertThat(event.remoteAddress()).contains("127.0.0.1");

            tunnel.close();
            assertThat(tunnels.poll(10, TimeUnit.SECONDS)).isEqualTo("closed " + tunnel.publicAddress()
                    + ": closed by the client");
            Waits.await().until(() -> server.registry.tunnelCount() == 0);
            assertThat(client.isConnected()).isTrue();
        }
    }

    @Test
    void proxyProtocolV1TellsTheLocalServiceTheUsersAddress() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                RelayClient client = server.client()) {
            CompletableFuture<String> header = CompletableFuture.supplyAsync(() -> {
                try (Socket s = target.accept()) {
                    InputStream in = s.getInputStream();
                    StringBuilder line = new StringBuilder();
                    for (int c = in.read(); c != '\n'; c = in.read()) {
                        line.append((char) c);
                    }
                    return line.toString().trim() + "|" + new String(in.readNBytes(4), StandardCharsets.UTF_8);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Tunnel tunnel = client.openTunnel(TunnelOptions.to("127.0.0.1", target.getLocalPort())
                    .proxyProtocol(ProxyProtocol.V1));
            try (User user = User.connect(tunnel.publicPort())) {
                user.send("data");
                assertThat(header.get(10, TimeUnit.SECONDS)).isEqualTo("PROXY TCP4 127.0.0.1 0.0.0.0 "
                        + user.socket.getLocalPort() + " " + tunnel.publicPort() + "|data");
            }
        }
    }

    @Test
    void proxyProtocolV2CarriesTheUsersAddressInBinary() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                RelayClient client = server.client()) {
            CompletableFuture<int[]> header = CompletableFuture.supplyAsync(() -> {
                try (Socket s = target.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    byte[] signature = in.readNBytes(12);
                    assertThat(signature).isEqualTo(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51,
                            0x55, 0x49, 0x54, 0x0A});
                    int versionCommand = in.readUnsignedByte();
                    int family = in.readUnsignedByte();
                    int length = in.readUnsignedShort();
                    byte[] src = in.readNBytes(4);
                    in.readNBytes(4); // destination address
                    int srcPort = in.readUnsignedShort();
                    int dstPort = in.readUnsignedShort();
                    in.readNBytes(length - 12); // TLVs, if any
                    return new int[] {versionCommand, family, src[0], src[3], srcPort, dstPort};
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Tunnel tunnel = client.openTunnel(TunnelOptions.to("127.0.0.1", target.getLocalPort())
                    .proxyProtocol(ProxyProtocol.V2));
            try (User user = User.connect(tunnel.publicPort())) {
                user.send("x");
                assertThat(header.get(10, TimeUnit.SECONDS)).containsExactly(0x21, 0x11, 127, 1,
                        user.socket.getLocalPort(), tunnel.publicPort());
            }
        }
    }

    @Test
    void severalTunnelsShareOneConnection() throws Exception {
        try (EchoTarget a = EchoTarget.named("a"); EchoTarget b = EchoTarget.named("b");
                RelayClient client = server.client()) {
            Tunnel ta = client.openTunnel("127.0.0.1", a.port());
            Tunnel tb = client.openTunnel("127.0.0.1", b.port());
            assertThat(client.tunnels()).containsExactly(ta, tb);
            assertThat(server.registry.clientCount()).isEqualTo(1);
            try (User ua = User.connect(ta.publicPort()); User ub = User.connect(tb.publicPort())) {
                assertThat(ua.roundTrip("1\n", 2)).isEqualTo("a:1\n");
                assertThat(ub.roundTrip("2\n", 2)).isEqualTo("b:2\n");
            }
        }
    }

    @Test
    void aServerSpeakingAnUnknownProtocolVersionIsRefusedAtOnceAndNamed() throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Frame> goAway = CompletableFuture.supplyAsync(() -> {
                try (Socket s = fake.accept()) {
                    DataInputStream in = new DataInputStream(s.getInputStream());
                    ByteBuf welcome = Unpooled.buffer();
                    welcome.writeInt(0);
                    FrameCodec.encodeHeaderAndFields(new Welcome(
                            Frames.VERSION + 7, "s1", Frames.DEFAULT_MAX_FRAME_LENGTH,
                            10_000), welcome);
                    welcome.setInt(0, welcome.readableBytes() - 4);
                    s.getOutputStream().write(ByteBufUtil.getBytes(welcome));
                    welcome.release();
                    // What the client says next, after its PING and HELLO: its last word.
                    for (Frame f; ; ) {
                        f = FrameCodec.decode(Unpooled.wrappedBuffer(in.readNBytes(in.readInt())));
                        if (f instanceof GoAway) {
                            return f;
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // reconnect is on: a version the client cannot speak must still end connect() at once, saying why.
            assertThatThrownBy(() -> RelayClient.builder()
                    .server("127.0.0.1", fake.getLocalPort()).token("t").connect())
                    .hasMessageContaining("protocol version " + (Frames.VERSION + 7));
            assertThat(((GoAway) goAway.get(10, TimeUnit.SECONDS)).code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
        }
    }
}
