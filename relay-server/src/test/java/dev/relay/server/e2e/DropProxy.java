package dev.relay.server.e2e;

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
 * connection at once ({@link #dropAll()}, a crash or a NAT that forgot us), go silent without a FIN
 * ({@link #silence()}: a pulled cable, a dead Wi-Fi, a firewall dropping packets), and stop or resume accepting new
 * connections. Silent, it forwards nothing more in either direction but keeps every socket open, so neither end
 * hears of it from TCP.
 */
public final class DropProxy implements AutoCloseable {
    private final int targetPort;
    private final int port;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "drop-proxy");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile ServerSocket server;
    private volatile boolean silent;

    public DropProxy(int targetPort) throws IOException {
        this.targetPort = targetPort;
        this.server = listen(0);
        this.port = server.getLocalPort();
    }

    public int port() {
        return port;
    }

    /** Stops accepting: new connections are refused until {@link #resume()}. */
    public void pause() throws IOException {
        server.close();
    }

    public void resume() throws IOException {
        server = listen(port);
    }

    /** From now on nothing is forwarded, and nothing is closed. */
    public void silence() {
        silent = true;
    }

    /** Resets every forwarded connection, on both sides, without a goodbye. */
    public void dropAll() {
        for (Socket s : sockets) {
            try {
                s.setSoLinger(true, 0);
                s.close();
            } catch (IOException e) {
                // already gone
            }
        }
        sockets.clear();
    }

    private ServerSocket listen(int p) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
        threads.execute(() -> accept(s));
        return s;
    }

    private void accept(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket in = s.accept();
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
        dropAll();
        threads.shutdownNow();
    }
}
