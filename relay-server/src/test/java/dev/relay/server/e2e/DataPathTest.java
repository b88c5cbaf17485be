package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.server.tunnel.UserConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Bytes through the tunnel: integrity, half-close, and one stalled user not stalling the others. */
class DataPathTest {
    private static final int MiB = 1024 * 1024;

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private TestServer server;

    @AfterEach
    void stop() {
        threads.shutdownNow();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void sixtyFourMebibytesEachWayThroughEightStreamsArriveIntact() throws Exception {
        server = TestServer.start();
        int streams = 8;
        int perStream = 8 * MiB;
        try (EchoTarget ps = EchoTarget.start(); RelayClient client = server.client()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            List<CompletableFuture<String[]>> results = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                long seed = i;
                results.add(CompletableFuture.supplyAsync(() -> pump(tunnel.publicPort(), perStream, seed), threads));
            }
            List<String> sentDigests = new ArrayList<>();
            for (CompletableFuture<String[]> r : results) {
                String[] digests = r.get(2, TimeUnit.MINUTES);
                assertThat(digests[1]).as("what came back equals what was sent").isEqualTo(digests[0]);
                sentDigests.add(digests[0]);
            }
            Waits.await().until(() -> ps.receivedDigests.size() == streams);
            assertThat(ps.receivedDigests).as("what the target received equals what was sent")
                    .containsExactlyInAnyOrderElementsOf(sentDigests);
            Waits.await().until(() -> server.registry.connectionCount() == 0);
            assertThat(server.registry.bytesIn()).isEqualTo((long) streams * perStream);
            assertThat(server.registry.bytesOut()).isEqualTo((long) streams * perStream);
        }
    }

    /** Sends {@code bytes} random bytes while reading the echo; returns the SHA-256 of both. */
    private String[] pump(int port, int bytes, long seed) {
        try (User user = User.connect(port)) {
            Socket s = user.socket;
            CompletableFuture<String> received = CompletableFuture.supplyAsync(() -> {
                try {
                    return digestOf(s.getInputStream(), bytes);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            MessageDigest sent = EchoTarget.sha256();
            Random random = new Random(seed);
            byte[] chunk = new byte[32 * 1024 + 7]; // odd size: frames and reads never line up
            OutputStream out = s.getOutputStream();
            for (int left = bytes; left > 0; ) {
                int n = Math.min(left, chunk.length);
                random.nextBytes(chunk);
                sent.update(chunk, 0, n);
                out.write(chunk, 0, n);
                left -= n;
            }
            s.shutdownOutput();
            String back = received.get(2, TimeUnit.MINUTES);
            assertThat(s.getInputStream().read()).as("EOF after the echo").isEqualTo(-1);
            return new String[] {HexFormat.of().formatHex(sent.digest()), back};
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String digestOf(InputStream in, int bytes) throws IOException {
        MessageDigest sha = EchoTarget.sha256();
        byte[] buf = new byte[64 * 1024];
        int total = 0;
        while (total < bytes) {
            int n = in.read(buf, 0, Math.min(buf.length, bytes - total));
            if (n < 0) {
                throw new IOException("EOF after " + total + " of " + bytes + " bytes");
            }
            sha.update(buf, 0, n);
            total += n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void userThatShutsDownItsOutputStillReceivesTheWholeResponse() throws Exception {
        server = TestServer.start();
        byte[] response = new byte[3 * MiB];
        new Random(42).nextBytes(response);
        try (ServerSocket target = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
                RelayClient client = server.client()) {
            // A target that answers only once the request is complete (EOF), then closes.
            CompletableFuture<byte[]> request = CompletableFuture.supplyAsync(() -> {
                try (Socket s = target.accept()) {
                    byte[] req = s.getInputStream().readAllBytes();
                    s.getOutputStream().write(response);
                    return req;
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }, threads);
            Tunnel tunnel = client.openTunnel("127.0.0.1", target.getLocalPort());

            try (User user = User.connect(tunnel.publicPort())) {
                user.send("GET everything");
                user.socket.shutdownOutput();
                byte[] got = user.socket.getInputStream().readAllBytes();
                assertThat(request.get(30, TimeUnit.SECONDS)).asString().isEqualTo("GET everything");
                assertThat(got).as("the whole response after the user's half-close").isEqualTo(response);
            }
            Waits.await().until(() -> server.registry.connectionCount() == 0);
        }
    }

    @Test
    void userWhoNeverReadsDoesNotStallAnotherUserOfTheSameTunnel() throws Exception {
        int window = 64 * 1024;
        server = TestServer.builder().window(DataSize.ofBytes(window)).start();
        try (EchoTarget ps = EchoTarget.start();
                RelayClient client = RelayClient.builder().server("127.0.0.1", server.port())
                        .token(TestServer.TOKEN).streamWindow(window).maxStreamWindow(window).connect()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());

            // The stalled user floods the echo target and never reads the echo back: every buffer on its path
            // fills up, and then its stream runs out of credit.
            User stalled = User.connect(tunnel.publicPort());
            CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
                byte[] chunk = new byte[64 * 1024];
                try {
                    for (int i = 0; i < 1024; i++) {
                        stalled.socket.getOutputStream().write(chunk);
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            }, threads);
            Waits.await().until(() -> server.registry.connectionCount() == 1);
            UserConnection stalledConnection = server.registry.connection(
                    server.registry.connections().get(0).id()).orElseThrow();
            Waits.await().until(() -> stalledConnection.bytesIn() > 4 * MiB);

            String[] digests = pump(tunnel.publicPort(), 32 * MiB, 7);
            assertThat(digests[1]).isEqualTo(digests[0]);

            assertThat(flood).as("the stalled user is still stalled").isNotDone();
            int buffered = stalledConnection.bufferedBytes();
            assertThat(buffered).as("server-side bytes held for the stalled stream").isBetween(0, window);
            stalled.close();
        }
    }
}
