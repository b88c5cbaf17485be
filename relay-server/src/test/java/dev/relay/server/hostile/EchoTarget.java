package dev.relay.server.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The local service behind a tunnel (after the e2e one): echoes every byte and records the SHA-256 of what each
 * connection sent it; optionally greets each connection first.
 */
final class EchoTarget implements AutoCloseable {
    private final ServerSocket server;
    private final byte[] greeting;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "hostile-echo-target");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final List<String> receivedDigests = new CopyOnWriteArrayList<>();

    private EchoTarget(byte[] greeting) throws IOException {
        this.greeting = greeting;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    static EchoTarget start() throws IOException {
        return new EchoTarget(new byte[0]);
    }

    /** An echo target that first sends {@code greeting} to each connection, as SMTP or SSH servers do. */
    static EchoTarget greeting(byte[] greeting) throws IOException {
        return new EchoTarget(greeting);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted and not yet finished. */
    int open() {
        return (int) sockets.stream().filter(s -> !s.isClosed()).count();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                sockets.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            out.write(greeting);
            out.flush();
            MessageDigest sha = sha256();
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) {
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
                out.flush();
            }
            receivedDigests.add(HexFormat.of().formatHex(sha.digest()));
            s.shutdownOutput();
        } catch (IOException e) {
            // the user or the relay went away: nothing to echo to
        } finally {
            sockets.remove(s);
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(byte[] bytes, int length) {
        MessageDigest sha = sha256();
        sha.update(bytes, 0, length);
        return HexFormat.of().formatHex(sha.digest());
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
