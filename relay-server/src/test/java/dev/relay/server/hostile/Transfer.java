package dev.relay.server.hostile;

import dev.relay.server.e2e.EchoTarget;
import dev.relay.server.e2e.User;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A user moving a seeded pseudo-random stream through a tunnel to an echo target, writing on one thread and reading
 * on another. The reader checks every byte against the stream as it arrives, so whether the transfer completes or
 * is cut, the test learns whether what came back is exactly a prefix of what was sent.
 */
final class Transfer implements AutoCloseable {
    private static final int BLOCK = 64 * 1024;

    /**
     * How a transfer ended: bytes written and read back, the offset of the first byte read back that differs from
     * what was sent (-1: none), whether the connection ended before everything came back, and the SHA-256 of the
     * bytes read back and of the same length of the sent stream.
     */
    record Outcome(long sent, long received, long firstWrongByte, boolean closedEarly, String ending,
            String sentDigest, String receivedDigest) {
        boolean intact() {
            return firstWrongByte < 0;
        }
    }

    final User user;
    private final long total;
    private final long seed;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final ExecutorService threads = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "hostile-transfer");
        t.setDaemon(true);
        return t;
    });
    private final CompletableFuture<Outcome> outcome;

    private final boolean halfClose;

    private Transfer(User user, long total, long seed, boolean halfClose) {
        this.user = user;
        this.total = total;
        this.seed = seed;
        this.halfClose = halfClose;
        threads.execute(this::write);
        this.outcome = CompletableFuture.supplyAsync(this::read, threads);
    }

    /**
     * Connects a user to {@code port} and starts moving {@code bytes} bytes each way; the user half-closes (FIN)
     * once it has sent them all.
     */
    static Transfer start(int port, long bytes, long seed) throws IOException {
        return new Transfer(User.connect(port), bytes, seed, true);
    }

    /** Like {@link #start}, but the user keeps its side open after sending, as a request/response client does. */
    static Transfer startWithoutHalfClose(int port, long bytes, long seed) throws IOException {
        return new Transfer(User.connect(port), bytes, seed, false);
    }

    long received() {
        return received.get();
    }

    long sent() {
        return sent.get();
    }

    CompletableFuture<Outcome> outcome() {
        return outcome;
    }

    /** The {@code index}-th block of the stream; the same for writer and reader. */
    static byte[] block(long seed, long index) {
        byte[] b = new byte[BLOCK];
        new Random(seed * 1_000_003L + index).nextBytes(b);
        return b;
    }

    private void write() {
        try {
            OutputStream out = user.socket.getOutputStream();
            for (long offset = 0, index = 0; offset < total; offset += BLOCK, index++) {
                int n = (int) Math.min(BLOCK, total - offset);
                out.write(block(seed, index), 0, n);
                sent.addAndGet(n);
            }
            if (halfClose) {
                user.socket.shutdownOutput();
            }
        } catch (IOException e) {
            // cut: the reader reports what arrived
        }
    }

    private Outcome read() {
        MessageDigest got = EchoTarget.sha256();
        MessageDigest expected = EchoTarget.sha256();
        long firstWrong = -1;
        long at = 0;
        byte[] buf = new byte[BLOCK];
        byte[] block = block(seed, 0);
        boolean closedEarly = false;
        String ending = "complete";
        try {
            InputStream in = user.socket.getInputStream();
            while (at < total) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, total - at));
                if (n < 0) {
                    closedEarly = true;
                    ending = "EOF";
                    break;
                }
                got.update(buf, 0, n);
                for (int i = 0; i < n; i++, at++) {
                    int inBlock = (int) (at % BLOCK);
                    if (inBlock == 0 && at > 0) {
                        block = block(seed, at / BLOCK);
                    }
                    expected.update(block[inBlock]);
                    if (firstWrong < 0 && buf[i] != block[inBlock]) {
                        firstWrong = at;
                    }
                }
                received.set(at);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("user still connected with nothing to read after " + User.WAIT + " ("
                    + at + " of " + total + " bytes back)", e);
        } catch (SocketException reset) {
            closedEarly = true;
            ending = reset.toString();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new Outcome(sent.get(), at, firstWrong, closedEarly, ending, HexFormat.of().formatHex(expected.digest()),
                HexFormat.of().formatHex(got.digest()));
    }

    @Override
    public void close() throws IOException {
        user.close();
        threads.shutdownNow();
    }
}
