import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Load tools for bench/run.sh. Every loop is bounded by a count and a deadline; every address is 127.0.0.1.
 *
 * <pre>
 * echo PORT...                               NIO echo server (one thread) on 127.0.0.1
 * rr PORT [size] [count] [seconds]           request/response over one connection: p50/p99 in microseconds
 * connect PORT [count] [seconds]             sequential connect + 1-byte echo + close: connections/s, p50/p99
 * hold PORT conns timeoutSec releaseFile     opens conns, pings each, prints HELD, waits for releaseFile, closes
 * </pre>
 * Results go to stdout as one JSON object a line.
 */
public final class BenchTool {
    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: echo|rr|connect|hold ...");
        }
        switch (args[0]) {
            case "echo" -> echo(Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray());
            case "rr" -> rr(i(args, 1, 0), i(args, 2, 64), i(args, 3, 20000), i(args, 4, 4));
            case "connect" -> connect(i(args, 1, 0), i(args, 2, 3000), i(args, 3, 4));
            case "hold" -> hold(i(args, 1, 0), i(args, 2, 10000), i(args, 3, 120), Path.of(args[4]));
            default -> throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    private static int i(String[] a, int idx, int def) {
        return a.length > idx ? Integer.parseInt(a[idx]) : def;
    }

    // ---- echo server

    private static final class EchoConn {
        ByteBuffer pending;
        boolean eof;
    }

    private static void echo(int[] ports) throws IOException {
        Selector sel = Selector.open();
        for (int port : ports) {
            ServerSocketChannel ssc = ServerSocketChannel.open();
            ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ssc.bind(new InetSocketAddress(HOST, port), 8192);
            ssc.configureBlocking(false);
            ssc.register(sel, SelectionKey.OP_ACCEPT);
        }
        System.out.println("{\"echo\":\"listening\"}");
        System.out.flush();
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
        while (true) { // runs until killed by run.sh
            sel.select(1000);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                try {
                    if (!k.isValid()) {
                        continue;
                    }
                    if (k.isAcceptable()) {
                        for (int n = 0; n < 256; n++) {
                            SocketChannel c = ((ServerSocketChannel) k.channel()).accept();
                            if (c == null) {
                                break;
                            }
                            c.configureBlocking(false);
                            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                            c.register(sel, SelectionKey.OP_READ, new EchoConn());
                        }
                        continue;
                    }
                    SocketChannel c = (SocketChannel) k.channel();
                    EchoConn ec = (EchoConn) k.attachment();
                    if (k.isWritable() && ec.pending != null) {
                        c.write(ec.pending);
                        if (!ec.pending.hasRemaining()) {
                            ec.pending = null;
                            if (ec.eof) {
                                c.close();
                                continue;
                            }
                            k.interestOps(SelectionKey.OP_READ);
                        }
                    }
                    if (k.isValid() && k.isReadable() && ec.pending == null) {
                        buf.clear();
                        int r = c.read(buf);
                        if (r < 0) {
                            c.close();
                            continue;
                        }
                        buf.flip();
                        c.write(buf);
                        if (buf.hasRemaining()) {
                            ec.pending = ByteBuffer.allocate(buf.remaining());
                            ec.pending.put(buf).flip();
                            k.interestOps(SelectionKey.OP_WRITE);
                        }
                    }
                } catch (IOException e) {
                    k.cancel();
                    try {
                        k.channel().close();
                    } catch (IOException ignored) {
                        // already failing
                    }
                }
            }
        }
    }

    // ---- request/response

    private static void rr(int port, int size, int count, int seconds) throws IOException {
        byte[] req = new byte[size];
        byte[] resp = new byte[size];
        Arrays.fill(req, (byte) 'x');
        long[] lat = new long[count];
        int n = 0;
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(5000);
            s.connect(new InetSocketAddress(HOST, port), 5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            int warmup = Math.min(500, count / 10);
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            for (int k = 0; k < count + warmup && System.nanoTime() < deadline; k++) {
                long t0 = System.nanoTime();
                out.write(req);
                readFully(in, resp);
                long dt = System.nanoTime() - t0;
                if (k >= warmup) {
                    lat[n++] = dt;
                }
            }
        }
        long[] l = Arrays.copyOf(lat, n);
        Arrays.sort(l);
        System.out.printf(Locale.ROOT, "{\"n\":%d,\"p50_us\":%.1f,\"p99_us\":%.1f,\"mean_us\":%.1f}%n", n,
                pct(l, 50) / 1e3, pct(l, 99) / 1e3, Arrays.stream(l).average().orElse(0) / 1e3);
    }

    private static void readFully(InputStream in, byte[] b) throws IOException {
        int off = 0;
        while (off < b.length) {
            int r = in.read(b, off, b.length - off);
            if (r < 0) {
                throw new IOException("EOF after " + off + " bytes");
            }
            off += r;
        }
    }

    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    // ---- connect + 1-byte echo + close

    private static void connect(int port, int count, int seconds) {
        long[] lat = new long[count];
        int n = 0;
        int errors = 0;
        String firstError = null;
        long start = System.nanoTime();
        long deadline = start + seconds * 1_000_000_000L;
        for (int k = 0; k < count && System.nanoTime() < deadline && errors < 50; k++) {
            long t0 = System.nanoTime();
            try (Socket s = new Socket()) {
                s.setTcpNoDelay(true);
                s.setSoTimeout(3000);
                s.connect(new InetSocketAddress(HOST, port), 3000);
                s.getOutputStream().write(7);
                int b = s.getInputStream().read();
                if (b != 7) {
                    throw new IOException("echo returned " + b);
                }
            } catch (IOException e) {
                errors++;
                if (firstError == null) {
                    firstError = e.toString();
                }
                continue;
            }
            lat[n++] = System.nanoTime() - t0;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] l = Arrays.copyOf(lat, n);
        Arrays.sort(l);
        System.out.printf(Locale.ROOT,
                "{\"n\":%d,\"errors\":%d,\"conn_per_s\":%.1f,\"p50_us\":%.1f,\"p99_us\":%.1f,\"first_error\":%s}%n",
                n, errors, n / elapsed, pct(l, 50) / 1e3, pct(l, 99) / 1e3,
                firstError == null ? "null" : "\"" + firstError.replace("\"", "'") + "\"");
    }

    // ---- hold many connections

    private static final class HoldConn {
        final ByteBuffer in = ByteBuffer.allocate(4);
        boolean connected;
        boolean answered;
    }

    private static void hold(int port, int conns, int timeoutSec, Path releaseFile) throws Exception {
        final int maxPendingConnects = 100;
        final byte[] ping = "ping".getBytes();
        Selector sel = Selector.open();
        List<SocketChannel> all = new ArrayList<>(conns);
        Map<SocketChannel, HoldConn> state = new HashMap<>(conns * 2);
        long start = System.nanoTime();
        long deadline = start + timeoutSec * 1_000_000_000L;
        int opened = 0;
        int pending = 0;
        int connected = 0;
        int failed = 0;
        String firstError = null;
        // Phase 1: connect with a bounded number in flight.
        while ((connected + failed) < conns && System.nanoTime() < deadline) {
            while (opened < conns && pending < maxPendingConnects) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                HoldConn hc = new HoldConn();
                state.put(c, hc);
                all.add(c);
                opened++;
                try {
                    if (c.connect(new InetSocketAddress(HOST, port))) {
                        hc.connected = true;
                        connected++;
                        c.register(sel, SelectionKey.OP_READ, hc);
                    } else {
                        pending++;
                        c.register(sel, SelectionKey.OP_CONNECT, hc);
                    }
                } catch (IOException e) {
                    failed++;
                    if (firstError == null) {
                        firstError = e.toString();
                    }
                }
            }
            sel.select(200);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                SocketChannel c = (SocketChannel) k.channel();
                HoldConn hc = (HoldConn) k.attachment();
                if (k.isValid() && k.isConnectable()) {
                    pending--;
                    try {
                        c.finishConnect();
                        hc.connected = true;
                        connected++;
                        k.interestOps(SelectionKey.OP_READ);
                    } catch (IOException e) {
                        failed++;
                        k.cancel();
                        if (firstError == null) {
                            firstError = e.toString();
                        }
                    }
                } else if (k.isValid() && k.isReadable()) {
                    // An early close (a refused stream) shows up as EOF here.
                    ByteBuffer junk = ByteBuffer.allocate(64);
                    try {
                        if (c.read(junk) < 0) {
                            k.cancel();
                            connected--;
                            failed++;
                            hc.connected = false;
                            if (firstError == null) {
                                firstError = "closed by peer before ping";
                            }
                        }
                    } catch (IOException e) {
                        k.cancel();
                        connected--;
                        failed++;
                        hc.connected = false;
                    }
                }
            }
        }
        double connectSec = (System.nanoTime() - start) / 1e9;
        // Phase 2: ping every connection and wait for every answer.
        int sent = 0;
        for (SocketChannel c : all) {
            HoldConn hc = state.get(c);
            if (!hc.connected) {
                continue;
            }
            try {
                ByteBuffer b = ByteBuffer.wrap(ping);
                c.write(b);
                if (!b.hasRemaining()) {
                    sent++;
                }
            } catch (IOException e) {
                hc.connected = false;
            }
        }
        int answered = 0;
        long pingStart = System.nanoTime();
        while (answered < sent && System.nanoTime() < deadline) {
            sel.select(200);
            Iterator<SelectionKey> it = sel.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                if (!k.isValid() || !k.isReadable()) {
                    continue;
                }
                SocketChannel c = (SocketChannel) k.channel();
                HoldConn hc = (HoldConn) k.attachment();
                try {
                    int r = c.read(hc.in);
                    if (r < 0) {
                        k.cancel();
                        continue;
                    }
                    if (!hc.in.hasRemaining() && !hc.answered) {
                        hc.answered = true;
                        answered++;
                    }
                } catch (IOException e) {
                    k.cancel();
                }
            }
        }
        double pingSec = (System.nanoTime() - pingStart) / 1e9;
        System.out.printf(Locale.ROOT,
                "HELD {\"conns\":%d,\"connected\":%d,\"failed\":%d,\"answered\":%d,\"connect_s\":%.2f,"
                        + "\"ping_s\":%.2f,\"first_error\":%s}%n",
                conns, connected, failed, answered, connectSec, pingSec,
                firstError == null ? "null" : "\"" + firstError.replace("\"", "'") + "\"");
        System.out.flush();
        // Phase 3: hold until told to release (bounded by the deadline plus a grace period).
        long holdDeadline = System.nanoTime() + 180_000_000_000L;
        while (!Files.exists(releaseFile) && System.nanoTime() < holdDeadline) {
            Thread.sleep(100);
        }
        for (SocketChannel c : all) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        System.out.println("{\"released\":true}");
    }
}
