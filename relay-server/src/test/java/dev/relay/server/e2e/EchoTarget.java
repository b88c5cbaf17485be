package dev.relay.server.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
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
 * The "protected server" of the tests: a local TCP service on 127.0.0.1. Unnamed, it echoes every byte (after an
 * optional greeting) and records the SHA-256 of everything each connection sent it; named, it answers each line with
 * {@code name:line}. Closing it closes the connections it still has.
 */
public final class EchoTarget implements AutoCloseable {
    private final ServerSocket server;
    private final String prefix;
    private final byte[] greeting;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "echo-target");
        t.setDaemon(true);
        return t;
    });
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    public final List<String> receivedDigests = new CopyOnWriteArrayList<>();

    private EchoTarget(String name, int port, byte[] greeting) throws IOException {
        this.prefix = name;
        this.greeting = greeting;
        this.server = new ServerSocket(port, 200, InetAddress.getLoopbackAddress());
        threads.execute(this::acceptLoop);
    }

    /** An echo target on a free port. */
    public static EchoTarget start() throws IOException {
        return new EchoTarget(null, 0, new byte[0]);
    }

    /** An echo target that first sends {@code greeting} to each connection, as SMTP or SSH servers do. */
    public static EchoTarget greeting(byte[] greeting) throws IOException {
        return new EchoTarget(null, 0, greeting);
    }

    /** A target that answers each read with {@code name:} followed by what it read. */
    public static EchoTarget named(String name) throws IOException {
        return new EchoTarget(name, 0, new byte[0]);
    }

    /** An echo target on the given port (to bring a target up where a tunnel already points). */
    public static EchoTarget onPort(int port) throws IOException {
        return new EchoTarget(null, port, new byte[0]);
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted and not yet finished. */
    public int open() {
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
        try {
            if (prefix != null) {
                serveLines(s);
            } else {
                serveEcho(s);
            }
        } finally {
            sockets.remove(s);
        }
    }

    private void serveEcho(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            out.write(greeting);
            out.flush();
            MessageDigest sha = sha256();
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
                out.flush();
            }
            receivedDigests.add(HexFormat.of().formatHex(sha.digest()));
            s.shutdownOutput();
        } catch (IOException e) {
            // The user or the relay went away: nothing to echo to.
        }
    }

    private void serveLines(Socket s) {
        try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
                Writer out = new OutputStreamWriter(s.getOutputStream(), UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(prefix + ":" + line + "\n");
                out.flush();
            }
        } catch (IOException e) {
            // The user or the relay went away.
        }
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
