package dev.relay.server.hostile;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A TCP forwarder between a client and the server that the test can break the way networks break: reset every
 * connection at once ({@link #dropAll()}, a crash or a NAT that forgot us), or go silent without a FIN
 * ({@link #silence()}: a pulled cable, a dead Wi-Fi, a firewall dropping packets). Silent, it forwards nothing more
 * in either direction but keeps every socket open, so neither end hears of it from TCP.
 */
final class FaultyNetwork implements AutoCloseable {
    private final int targetPort;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-network");
        t.setDaemon(true);
        return t;
    });
    private volatile boolean silent;

    FaultyNetwork(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        threads.execute(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** From now on nothing is forwarded, and nothing is closed. */
    void silence() {
        silent = true;
    }

    /** Resets every forwarded connection, on both sides, without a goodbye. */
    void dropAll() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket in = server.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                sockets.add(in);
                sockets.add(out);
                threads.execute(() -> pipe(in, out));
                threads.execute(() -> pipe(out, in));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void pipe(Socket from, Socket to) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buf)) >= 0 && !silent; ) {
                out.write(buf, 0, n);
            }
            if (silent) {
                // Hold the sockets open, reading nothing, until the test ends (bounded, should close() be forgotten).
                closed.await(2, TimeUnit.MINUTES);
            }
        } catch (IOException e) {
            // dropped
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                to.close();
                from.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        closed.countDown();
        for (Socket s : sockets) {
            s.close();
        }
        threads.shutdownNow();
    }
}
