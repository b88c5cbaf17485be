package dev.relay.server.hostile;

import dev.relay.server.e2e.TestServer;
import dev.relay.server.e2e.RawControlClient;
import dev.relay.server.e2e.EchoTarget;
import dev.relay.server.e2e.DropProxy;
import dev.relay.server.e2e.Waits;
import dev.relay.server.e2e.User;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.protocol.Frame;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamOpen;
import dev.relay.server.tunnel.UserConnection;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.util.unit.DataSize;

/**
 * Things that go wrong in the middle of real traffic: the client, its network, the local target or the server
 * goes away; a user never speaks; a user reads at a crawl next to a bulk transfer. Whatever happens, a user sees
 * either exactly what was sent or a prefix of it followed by a close, never a wrong byte.
 */
class FaultScenariosTest {
    private static final int MiB = 1024 * 1024;

    @RegisterExtension
    final ScenarioGuard guard = new ScenarioGuard();

    @Test
    void clientKilledMidTransferWithoutAFrame() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder());
        RawControlClient client = guard.closeLater(RawControlClient.withTunnel(server.port(), server.token));
        int port = client.opened.publicPort();
        User user = guard.closeLater(User.connect(port));
        StreamOpen open = client.expect(StreamOpen.class);
        client.send(new StreamAccept(open.streamId(), MiB));
        // The raw client plays the local target: a response of 256 KiB in 16 KiB frames, all within the window.
        byte[] response = new byte[256 * 1024];
        new Random(3).nextBytes(response);
        List<Frame> frames = new ArrayList<>();
        for (int off = 0; off < response.length; off += 16 * 1024) {
            frames.add(new StreamData(open.streamId(), Unpooled.wrappedBuffer(response, off, 16 * 1024)));
        }
        client.send(frames.toArray(Frame[]::new));
        user.send("more, please");
        byte[] first = user.socket.getInputStream().readNBytes(64 * 1024);
        assertThat(first).isEqualTo(Arrays.copyOf(response, first.length));

        client.abort(); // a crash: a reset, no GO_AWAY, no CLOSE_TUNNEL

        byte[] rest = user.readUntilClosed(response.length);
        assertPrefix(concat(first, rest), response);
        Waits.await().until(() -> server.registry.clientCount() == 0);
        assertRefused(port);
    }

    @Test
    void clientConnectionResetMidTransfer() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder());
        EchoTarget target = guard.closeLater(EchoTarget.start());
        DropProxy network = guard.closeLater(new DropProxy(server.port()));
        RelayClient client = guard.closeLater(server.clientTo(network.port()));
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
        Transfer transfer = guard.closeLater(Transfer.start(tunnel.publicPort(), 256L * MiB, 11));
        Waits.await().until(() -> transfer.received() >= 2 * MiB);

        network.dropAll();

        Transfer.Outcome outcome = transfer.outcome().get(30, SECONDS);
        assertThat(outcome.closedEarly()).as("the user saw a close").isTrue();
        assertThat(outcome.intact()).as("every byte back was the byte sent: %s", outcome).isTrue();
        assertThat(client.closeFuture().get(10, SECONDS)).isNotNull();
        Waits.await().until(() -> server.registry.clientCount() == 0);
        assertRefused(tunnel.publicPort());
    }

    @Test
    void clientNetworkSilentWithoutFinClosesItsUsersWithinTheHeartbeatTimeout() throws Exception {
        Duration heartbeatTimeout = Duration.ofSeconds(1);
        TestServer server = guard.start(TestServer.hostileBuilder().heartbeat(Duration.ofMillis(250), heartbeatTimeout));
        EchoTarget target = guard.closeLater(EchoTarget.start());
        DropProxy network = guard.closeLater(new DropProxy(server.port()));
        // The client's own heartbeat is slow: the server must find out by itself.
        RelayClient client = guard.closeLater(RelayClient.builder().server("127.0.0.1", network.port())
                .token(server.token).reconnect(false).heartbeat(Duration.ofSeconds(20), Duration.ofSeconds(60))
                .connect());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
        Transfer transfer = guard.closeLater(Transfer.start(tunnel.publicPort(), 256L * MiB, 12));
        Waits.await().until(() -> transfer.received() >= MiB);

        long silentAt = System.nanoTime();
        network.silence();

        Transfer.Outcome outcome = transfer.outcome().get(30, SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - silentAt);
        assertThat(outcome.closedEarly()).as("the user saw a close").isTrue();
        assertThat(outcome.intact()).as("%s", outcome).isTrue();
        assertThat(took).as("user closed within the heartbeat timeout (plus scheduling slack)")
                .isLessThan(heartbeatTimeout.plusMillis(1_500));
        Waits.await().until(() -> server.registry.clientCount() == 0);
        assertRefused(tunnel.publicPort());
    }

    @Test
    void localTargetDyingMidStreamEndsOnlyThatUserWithAnIntactPrefix() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder());
        int dieAfter = 3 * MiB;
        ServerSocket target = guard.closeLater(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        ExecutorService threads = Executors.newCachedThreadPool();
        guard.closeLater(threads::shutdownNow);
        AtomicInteger accepted = new AtomicInteger();
        threads.execute(() -> {
            while (!target.isClosed()) {
                try {
                    Socket s = target.accept();
                    // The first connection dies (a crash: a reset) after echoing dieAfter bytes; later ones echo.
                    int limit = accepted.getAndIncrement() == 0 ? dieAfter : Integer.MAX_VALUE;
                    threads.execute(() -> echo(s, limit));
                } catch (IOException e) {
                    return;
                }
            }
        });
        RelayClient client = guard.closeLater(server.client());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.getLocalPort());

        Transfer.Outcome outcome;
        try (Transfer transfer = Transfer.start(tunnel.publicPort(), 64L * MiB, 13)) {
            outcome = transfer.outcome().get(30, SECONDS);
        }
        assertThat(outcome.closedEarly()).as("the user saw a close").isTrue();
        assertThat(outcome.intact()).as("%s", outcome).isTrue();
        assertThat(outcome.received()).isLessThanOrEqualTo(dieAfter);

        assertThat(tunnel.isOpen()).as("the tunnel outlives one dead target connection").isTrue();
        try (User next = User.connect(tunnel.publicPort())) {
            assertThat(next.roundTrip("still there?")).isEqualTo("still there?");
        }
    }

    @Test
    void serverStoppedMidTransferClosesEveryUserWithIntactBytes() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder().drainTimeout(Duration.ofMillis(300)));
        EchoTarget target = guard.closeLater(EchoTarget.start());
        List<RelayClient> clients = new ArrayList<>();
        List<Transfer> transfers = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RelayClient client = guard.closeLater(server.client());
            clients.add(client);
            int port = client.openTunnel("127.0.0.1", target.port()).publicPort();
            ports.add(port);
            transfers.add(guard.closeLater(Transfer.start(port, 256L * MiB, 20 + i)));
        }
        Waits.await().until(() -> transfers.stream().allMatch(t -> t.received() >= MiB));

        CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);

        for (Transfer t : transfers) {
            Transfer.Outcome outcome = t.outcome().get(30, SECONDS);
            assertThat(outcome.closedEarly()).as("the user saw a close").isTrue();
            assertThat(outcome.intact()).as("%s", outcome).isTrue();
        }
        stopping.get(30, SECONDS);
        for (RelayClient c : clients) {
            assertThat(c.closeFuture().get(10, SECONDS)).isNotNull();
        }
        assertRefused(server.port());
        ports.forEach(FaultScenariosTest::assertRefused);
    }

    @Test
    void usersThatConnectAndNeverSendCostOneStreamEachAndLeaveWithTheirTunnel() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder());
        byte[] greeting = "220 ready\n".getBytes(StandardCharsets.UTF_8);
        EchoTarget target = guard.closeLater(EchoTarget.greeting(greeting));
        RelayClient client = guard.closeLater(server.client());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
        List<User> silent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            User u = guard.closeLater(User.connect(tunnel.publicPort()));
            silent.add(u);
            // A service that speaks first reaches a user that never speaks.
            assertThat(u.read(greeting.length)).isEqualTo("220 ready\n");
        }
        Waits.await().until(() -> server.registry.connectionCount() == 20 && target.open() == 20);
        for (UserConnection.Info info : server.registry.connections()) {
            assertThat(server.registry.connection(info.id()).orElseThrow().bufferedBytes())
                    .as("bytes the server holds for a silent user").isZero();
        }
        try (User active = User.connect(tunnel.publicPort())) {
            assertThat(active.read(greeting.length)).isEqualTo("220 ready\n");
            assertThat(active.roundTrip("hello\n")).isEqualTo("hello\n");
        }

        // The relay has no idle timeout of its own: silent users stay until their tunnel goes.
        tunnel.close();

        for (User u : silent) {
            assertThat(u.awaitDisconnected()).isTrue();
        }
        Waits.await().until(() -> target.open() == 0);
        assertRefused(tunnel.publicPort());
    }

    @Test
    void userThatHalfClosesStillReceivesTheWholeResponse() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder());
        long responseSeed = 41;
        int blocks = 256; // 16 MiB: more than every socket buffer on the way holds
        String expected = digestOfBlocks(responseSeed, blocks);
        ServerSocket target = guard.closeLater(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
        ExecutorService threads = Executors.newCachedThreadPool();
        guard.closeLater(threads::shutdownNow);
        // A request/response service: reads the request to its end (the user's FIN), then answers and closes.
        threads.execute(() -> {
            while (!target.isClosed()) {
                try (Socket s = target.accept()) {
                    s.getInputStream().readAllBytes();
                    OutputStream out = s.getOutputStream();
                    for (int b = 0; b < blocks; b++) {
                        out.write(Transfer.block(responseSeed, b));
                    }
                } catch (IOException e) {
                    // the relay went away, or the test ended: the user's check reports what matters
                }
            }
        });
        RelayClient client = guard.closeLater(server.client());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.getLocalPort());
        // How the user's FIN and the stalls of the response interleave varies from run to run: a few rounds.
        for (int round = 0; round < 3; round++) {
            try (User user = User.connect(tunnel.publicPort())) {
                user.send("GET everything");
                user.socket.shutdownOutput();
                Waits.await().until(() -> server.registry.connectionCount() == 1);
                UserConnection connection = server.registry.connection(server.registry.connections().get(0).id())
                        .orElseThrow();
                // Read in pieces, each only once the server holds more for the user than the socket takes: after the
                // user's FIN the server must wait for the socket to become writable again, and again.
                MessageDigest got = EchoTarget.sha256();
                InputStream in = user.socket.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long received = 0;
                boolean eof = false;
                while (!eof && received < blocks * 64L * 1024) {
                    Waits.await().until(() -> connection.bufferedBytes() > 0
                            || connection.bytesOut() == blocks * 64L * 1024 || server.registry.connectionCount() == 0);
                    for (long piece = 0; piece < 2 * MiB && !eof; ) {
                        int n = in.read(buf);
                        if (n < 0) {
                            eof = true;
                        } else {
                            got.update(buf, 0, n);
                            received += n;
                            piece += n;
                        }
                    }
                }
                assertThat(received).as("round %d: bytes of the response received", round)
                        .isEqualTo(blocks * 64L * 1024);
                assertThat(in.read()).as("round %d: EOF after the response", round).isEqualTo(-1);
                assertThat(HexFormat.of().formatHex(got.digest())).as("round %d: SHA-256 of the response", round)
                        .isEqualTo(expected);
            }
            Waits.await().until(() -> server.registry.connectionCount() == 0);
        }
    }

    private static String digestOfBlocks(long seed, int blocks) {
        MessageDigest sha = EchoTarget.sha256();
        for (int b = 0; b < blocks; b++) {
            sha.update(Transfer.block(seed, b));
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void slowReaderNextToAFullSpeedTransferOnTheSameTunnel() throws Exception {
        int window = 256 * 1024;
        TestServer server = guard.start(TestServer.hostileBuilder().window(DataSize.ofBytes(window)));
        EchoTarget target = guard.closeLater(EchoTarget.start());
        RelayClient client = guard.closeLater(RelayClient.builder().server("127.0.0.1", server.port())
                .token(server.token).reconnect(false).streamWindow(window).connect());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());

        // The slow user sends 16 MiB (blocking once every buffer on the way is full) and reads about 10 KB/s:
        // 1 KiB every 100 ms, each byte checked against what it sent.
        User slow = guard.closeLater(User.connect(tunnel.publicPort()));
        long slowSeed = 31;
        ExecutorService writer = Executors.newSingleThreadExecutor();
        guard.closeLater(writer::shutdownNow);
        writer.execute(() -> {
            try {
                OutputStream out = slow.socket.getOutputStream();
                for (int block = 0; block < 256; block++) {
                    out.write(Transfer.block(slowSeed, block));
                }
            } catch (IOException e) {
                // closed at the end of the test
            }
        });
        AtomicLong slowRead = new AtomicLong();
        AtomicBoolean slowIntact = new AtomicBoolean(true);
        ScheduledExecutorService reader = Executors.newSingleThreadScheduledExecutor();
        guard.closeLater(reader::shutdownNow);
        InputStream slowIn = slow.socket.getInputStream();
        byte[][] expected = {Transfer.block(slowSeed, 0)};
        reader.scheduleAtFixedRate(() -> {
            try {
                byte[] buf = new byte[1024];
                int n = slowIn.read(buf);
                for (int i = 0; i < n; i++) {
                    long at = slowRead.getAndIncrement();
                    if (at % expected[0].length == 0 && at > 0) {
                        expected[0] = Transfer.block(slowSeed, at / expected[0].length);
                    }
                    if (buf[i] != expected[0][(int) (at % expected[0].length)]) {
                        slowIntact.set(false);
                    }
                }
            } catch (IOException e) {
                slowIntact.set(false);
            }
        }, 0, 100, TimeUnit.MILLISECONDS);
        Waits.await().until(() -> slowRead.get() >= 1024 && server.registry.connectionCount() == 1);
        UserConnection slowConnection = server.registry.connection(server.registry.connections().get(0).id())
                .orElseThrow();

        long start = System.nanoTime();
        Transfer.Outcome fast;
        try (Transfer transfer = Transfer.startWithoutHalfClose(tunnel.publicPort(), 64L * MiB, 32)) {
            fast = transfer.outcome().get(2, TimeUnit.MINUTES);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(fast.closedEarly()).as("the fast transfer was cut: %s", fast).isFalse();
        assertThat(fast.received()).isEqualTo(64L * MiB);
        assertThat(fast.receivedDigest()).as("SHA-256 of the echo").isEqualTo(fast.sentDigest());
        // The target records its digest when the user has gone: that is once the transfer is closed.
        Waits.await().until(() -> target.receivedDigests.contains(fast.sentDigest()));
        assertThat(took).as("64 MiB next to a slow reader").isLessThan(Duration.ofSeconds(60));
        assertThat(slowIntact).as("the slow reader's bytes").isTrue();
        assertThat(slowRead.get()).as("the slow reader kept reading, slowly")
                .isBetween(1024L, 2 * 1024 + 11 * 1024 * (took.toMillis() / 1000 + 2));
        assertThat(slowConnection.bufferedBytes()).as("bytes the server holds for the slow reader")
                .isBetween(0, window);
        reader.shutdownNow();
        slow.abort();
    }

    private static void echo(Socket s, int limit) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] buf = new byte[64 * 1024];
            int left = limit;
            for (int n; left > 0 && (n = in.read(buf, 0, Math.min(buf.length, left))) >= 0; left -= n) {
                out.write(buf, 0, n);
            }
            if (left == 0) {
                s.setSoLinger(true, 0); // dies: a reset, with the rest of the request unread
            }
        } catch (IOException e) {
            // the relay went away
        }
    }

    static void assertRefused(int port) {
        // Java closes a listening socket's descriptor only once its selector lets go of it, on the event loop's
        // next turn: until then the kernel may still complete a connect, which it resets when the socket goes.
        Waits.await().untilAsserted(() -> {
            try (Socket s = new Socket()) {
                s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 2_000);
                // A free port in the ephemeral range can be handed to this very socket as its source: it then
                // connects to itself (TCP self-connect), which proves that nothing listens there.
                assertThat(s.getLocalPort()).as("port %d still accepts connections", port).isEqualTo(port);
            } catch (ConnectException expected) {
                // refused: the port is closed
            }
        });
    }

    static void assertPrefix(byte[] received, byte[] sent) {
        assertThat(received.length).as("bytes received").isLessThanOrEqualTo(sent.length);
        assertThat(received).as("what arrived is a prefix of what was sent")
                .isEqualTo(Arrays.copyOf(sent, received.length));
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
