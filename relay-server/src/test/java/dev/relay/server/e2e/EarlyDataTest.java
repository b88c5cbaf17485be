package dev.relay.server.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.protocol.ErrorCode;
import dev.relay.protocol.Frame;
import dev.relay.protocol.Frames;
import dev.relay.protocol.GoAway;
import dev.relay.protocol.Ping;
import dev.relay.protocol.Pong;
import dev.relay.protocol.StreamAccept;
import dev.relay.protocol.StreamData;
import dev.relay.protocol.StreamHalfClose;
import dev.relay.protocol.StreamOpen;
import dev.relay.protocol.TunnelOpened;
import dev.relay.protocol.WindowUpdate;
import dev.relay.server.tunnel.UserConnection;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Early data (protocol 2): the server sends a user's first bytes right behind {@code STREAM_OPEN}, up to
 * {@link Frames#EARLY_DATA_WINDOW}, without waiting for the client's {@code STREAM_ACCEPT}; with a version-1 client
 * it waits as before. The client side is a {@link RawControlClient}, so the test sees every frame the server sends.
 *
 * <p>To show that the server sent <em>nothing more</em> without sleeping, the raw client pings and waits for the
 * pong: frames on the control connection are ordered, so whatever the server sent before it answered the ping
 * arrives before the pong.
 */
class EarlyDataTest {
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
    void userBytesFollowStreamOpenBeforeTheClientAccepts() throws IOException {
        try (RawControlClient client = RawControlClient.connect(server.port())) {
            assertThat(client.handshake(Frames.VERSION).version()).isEqualTo(Frames.VERSION);
            TunnelOpened tunnel = client.openTunnel();
            try (User user = User.connect(tunnel.publicPort())) {
                user.send("hello early");

                // No STREAM_ACCEPT yet: the bytes come anyway, right behind the STREAM_OPEN.
                StreamOpen open = nextFrame(client, StreamOpen.class);
                assertThat(open.tunnelId()).isEqualTo(tunnel.tunnelId());
                assertThat(new String(readData(client, open.streamId(), 11), UTF_8)).isEqualTo("hello early");

                // After the accept the stream works both ways.
                client.send(new StreamAccept(open.streamId(), 64 * 1024));
                client.send(new StreamData(open.streamId(), Unpooled.copiedBuffer("early reply", UTF_8)));
                assertThat(user.read(11)).isEqualTo("early reply");
            }
        }
    }

    @Test
    void theServerSendsNoMoreThanTheEarlyWindowBeforeTheAccept() throws Exception {
        byte[] payload = new byte[64 * 1024];
        new Random(7).nextBytes(payload);
        try (RawControlClient client = RawControlClient.connect(server.port())) {
            client.handshake(Frames.VERSION);
            TunnelOpened tunnel = client.openTunnel();
            try (User user = User.connect(tunnel.publicPort())) {
                // From another thread: the write may not fit the socket buffers while the server holds back.
                CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
                    try {
                        user.send(payload);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });

                StreamOpen open = nextFrame(client, StreamOpen.class);
                byte[] early = readData(client, open.streamId(), Frames.EARLY_DATA_WINDOW);
                assertNothingSentBeforeThePong(client);

                client.send(new StreamAccept(open.streamId(), 1024 * 1024));
                byte[] rest = readData(client, open.streamId(), payload.length - Frames.EARLY_DATA_WINDOW);
                writing.get(User.WAIT.toMillis(), TimeUnit.MILLISECONDS);

                ByteArrayOutputStream all = new ByteArrayOutputStream();
                all.write(early);
                all.write(rest);
                assertThat(all.toByteArray()).as("every byte of the user, in order").isEqualTo(payload);
            }
        }
    }

    @Test
    void aVersionOneClientGetsNoDataBeforeItAccepts() throws IOException {
        try (RawControlClient client = RawControlClient.connect(server.port())) {
            assertThat(client.handshake(1).version()).as("WELCOME speaks the client's version").isEqualTo(1);
            TunnelOpened tunnel = client.openTunnel();
            try (User user = User.connect(tunnel.publicPort())) {
                StreamOpen open = nextFrame(client, StreamOpen.class);
                user.send("hello late");

                assertNothingSentBeforeThePong(client);
                assertThat(server.registry.connections()).singleElement()
                        .extracting(UserConnection.Info::bytesIn).as("bytes read from the user").isEqualTo(0L);

                // A version-1 client may still accept with a window below the early window.
                client.send(new StreamAccept(open.streamId(), 1024));
                assertThat(new String(readData(client, open.streamId(), 10), UTF_8)).isEqualTo("hello late");
                client.send(new StreamData(open.streamId(), Unpooled.copiedBuffer("late reply", UTF_8)));
                assertThat(user.read(10)).isEqualTo("late reply");
            }
        }
    }

    @Test
    void theUsersHalfCloseFollowsTheEarlyDataBeforeTheAccept() throws IOException {
        try (RawControlClient client = RawControlClient.connect(server.port())) {
            client.handshake(Frames.VERSION);
            TunnelOpened tunnel = client.openTunnel();
            try (User user = User.connect(tunnel.publicPort())) {
                user.send("bye");
                user.socket.shutdownOutput();

                StreamOpen open = nextFrame(client, StreamOpen.class);
                assertThat(new String(readData(client, open.streamId(), 3), UTF_8)).isEqualTo("bye");
                assertThat(nextFrame(client, StreamHalfClose.class).streamId()).isEqualTo(open.streamId());

                // The other direction is still open: the client accepts, answers and half-closes in turn.
                client.send(new StreamAccept(open.streamId(), 64 * 1024));
                client.send(new StreamData(open.streamId(), Unpooled.copiedBuffer("ok", UTF_8)));
                client.send(new StreamHalfClose(open.streamId()));
                assertThat(new String(user.readUntilClosed(1024), UTF_8)).isEqualTo("ok");
                Waits.await().until(() -> server.registry.connectionCount() == 0);
            }
        }
    }

    @Test
    void anAcceptWithAWindowBelowTheEarlyWindowIsAProtocolError() throws IOException {
        assertProtocolErrorAfterStreamOpen(id -> new StreamAccept(id, Frames.EARLY_DATA_WINDOW - 1));
    }

    @Test
    void aWindowUpdateBeforeTheAcceptIsStillAProtocolError() throws IOException {
        assertProtocolErrorAfterStreamOpen(id -> new WindowUpdate(id, 1024));
    }

    // ---- helpers

    private interface StreamFrame {
        Frame of(int streamId);
    }

    /** A version-2 client gets a user, answers its STREAM_OPEN with {@code answer}, and is thrown out for it. */
    private void assertProtocolErrorAfterStreamOpen(StreamFrame answer) throws IOException {
        try (RawControlClient client = RawControlClient.connect(server.port())) {
            client.handshake(Frames.VERSION);
            TunnelOpened tunnel = client.openTunnel();
            try (User user = User.connect(tunnel.publicPort())) {
                StreamOpen open = nextFrame(client, StreamOpen.class);
                client.send(answer.of(open.streamId()));

                assertThat(client.lastFrameBeforeClose()).isInstanceOfSatisfying(GoAway.class,
                        g -> assertThat(g.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
                assertThat(user.awaitDisconnected()).isTrue();
            }
        }
        Waits.await().until(() -> server.registry.clientCount() == 0 && server.registry.connectionCount() == 0);
    }

    /** The next frame, which must be a {@code type} (data is not skipped). */
    private static <T extends Frame> T nextFrame(RawControlClient client, Class<T> type) throws IOException {
        Frame f = client.nextWithData();
        if (!type.isInstance(f)) {
            String got = String.valueOf(f);
            if (f instanceof StreamData data) {
                data.release();
            }
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + got);
        }
        return type.cast(f);
    }

    /** Reads STREAM_DATA of {@code streamId} until {@code length} bytes came, failing on any other frame or more. */
    private static byte[] readData(RawControlClient client, int streamId, int length) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < length) {
            StreamData data = nextFrame(client, StreamData.class);
            try {
                assertThat(data.streamId()).isEqualTo(streamId);
                got.write(ByteBufUtil.getBytes(data.content()));
            } finally {
                data.release();
            }
        }
        assertThat(got.size()).as("bytes of stream %d", streamId).isEqualTo(length);
        return got.toByteArray();
    }

    /** Pings and checks that the pong is the next frame: the server sent nothing else before it answered. */
    private static void assertNothingSentBeforeThePong(RawControlClient client) throws IOException {
        long payload = System.nanoTime();
        client.send(new Ping(payload));
        assertThat(nextFrame(client, Pong.class)).isEqualTo(new Pong(payload));
    }
}
