package dev.relay.server.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Writes events off the caller's thread in batches: one encoding pass, one write and one flush per batch, and a
 * writer thread that wakes every {@code lingerMillis} (or when {@code batchSize} events wait) instead of once per
 * event. The audit trail has an event per user connection; logback's {@code AsyncAppender} woke its worker and
 * wrote to stdout once for each, which took a fifth of the server's CPU when users connect and close in a loop.
 *
 * <p>An event waits at most about {@code lingerMillis} before it is written. When {@code queueSize} events wait
 * (the output is stuck), further events are dropped and counted, and the count is written once the output moves
 * again, so that the relay's event loops never block on a log.
 *
 * <p>Configuration: an {@code encoder}, and optionally {@code file} (appended to; stdout when unset),
 * {@code lingerMillis} (default 20), {@code batchSize} (default 512), {@code queueSize} (default 65536).
 */
public final class BatchingAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private final ConcurrentLinkedQueue<ILoggingEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private Encoder<ILoggingEvent> encoder;
    private String file;
    private int lingerMillis = 20;
    private int batchSize = 512;
    private int queueSize = 65_536;
    private OutputStream out;
    private volatile Thread writer;
    private volatile boolean running;

    public void setEncoder(Encoder<ILoggingEvent> encoder) {
        this.encoder = encoder;
    }

    public void setFile(String file) {
        this.file = file == null || file.isBlank() ? null : file;
    }

    public void setLingerMillis(int lingerMillis) {
        this.lingerMillis = lingerMillis;
    }

    public void setBatchSize(int batchSize) {
        this.batchSize = batchSize;
    }

    public void setQueueSize(int queueSize) {
        this.queueSize = queueSize;
    }

    /** Events dropped so far because the queue was full. */
    public int dropped() {
        return dropped.get();
    }

    @Override
    public void start() {
        if (encoder == null) {
            addError("no encoder for appender " + name);
            return;
        }
        if (lingerMillis < 1 || batchSize < 1 || queueSize < batchSize) {
            addError("appender " + name + ": lingerMillis " + lingerMillis + " and batchSize " + batchSize
                    + " must be >= 1 and queueSize " + queueSize + " >= batchSize");
            return;
        }
        try {
            out = file == null ? System.out : new FileOutputStream(file, true);
        } catch (IOException e) {
            addError("appender " + name + " cannot open " + file, e);
            return;
        }
        running = true;
        Thread t = new Thread(this::writeLoop, "relay-log-writer-" + name);
        t.setDaemon(true);
        writer = t;
        t.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        if (queued.get() >= queueSize) {
            dropped.incrementAndGet();
            return;
        }
        event.prepareForDeferredProcessing();
        queue.add(event);
        if (queued.incrementAndGet() == batchSize) {
            LockSupport.unpark(writer);
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        running = false;
        Thread t = writer;
        LockSupport.unpark(t);
        try {
            t.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (out != System.out) {
            try {
                out.close();
            } catch (IOException e) {
                addError("appender " + name + " cannot close " + file, e);
            }
        }
    }

    private void writeLoop() {
        ByteArrayOutputStream batch = new ByteArrayOutputStream(64 * 1024);
        while (true) {
            boolean stopping = !running;
            int lost = dropped.getAndSet(0);
            if (lost > 0) {
                batch.writeBytes(("{\"message\":\"" + lost + " log events dropped: the output was too slow\","
                        + "\"logger_name\":\"" + BatchingAppender.class.getName() + "\",\"level\":\"WARN\"}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            for (ILoggingEvent e = queue.poll(); e != null; e = queue.poll()) {
                queued.decrementAndGet();
                try {
                    batch.writeBytes(encoder.encode(e));
                } catch (RuntimeException ex) {
                    addError("appender " + name + " cannot encode an event", ex);
                }
                if (batch.size() >= 256 * 1024) {
                    write(batch);
                }
            }
            write(batch);
            if (stopping) {
                return;
            }
            LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(lingerMillis));
        }
    }

    private void write(ByteArrayOutputStream batch) {
        if (batch.size() == 0) {
            return;
        }
        try {
            if (out instanceof PrintStream p) {
                // One write while holding the stream's lock: other users of stdout cannot split a line.
                synchronized (p) {
                    batch.writeTo(p);
                    p.flush();
                }
            } else {
                batch.writeTo(out);
                out.flush();
            }
        } catch (IOException e) {
            addError("appender " + name + " cannot write", e);
        }
        batch.reset();
    }
}
