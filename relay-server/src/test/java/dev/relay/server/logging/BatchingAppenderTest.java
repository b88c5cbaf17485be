package dev.relay.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import dev.relay.server.e2e.Waits;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit trail's appender, on a real logback context writing to a real file. */
class BatchingAppenderTest {
    private final LoggerContext context = new LoggerContext();
    private final Logger logger = context.getLogger("relay.audit.test");

    @TempDir
    Path dir;

    BatchingAppenderTest() {
        context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    @Test
    void everyEventFromManyThreadsIsWrittenOnceAndInEachThreadsOrder() throws Exception {
        Path file = dir.resolve("audit.log");
        BatchingAppender appender = appender(file, pattern("%thread %msg%n"), 64, 100_000);
        int threads = 4;
        int events = 5_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> new Thread(r, "t" + r.hashCode()));
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            done.add(pool.submit(() -> {
                for (int i = 0; i < events; i++) {
                    logger.info("{}", i);
                }
            }));
        }
        for (Future<?> f : done) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        // Written within the linger time, without a stop.
        Waits.await().until(() -> lines(file).size() == threads * events);
        appender.stop();

        List<String> lines = lines(file);
        assertThat(lines).hasSize(threads * events);
        lines.stream().collect(java.util.stream.Collectors.groupingBy(l -> l.substring(0, l.indexOf(' '))))
                .forEach((thread, own) -> assertThat(own.stream().map(l -> Integer.parseInt(l.substring(
                        l.indexOf(' ') + 1)))).as("events of %s", thread)
                        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, events).boxed().toList()));
        assertThat(appender.dropped()).isZero();
    }

    @Test
    void aStuckOutputDropsWhatDoesNotFitCountsItAndNeverBlocksTheCaller() throws Exception {
        Path file = dir.resolve("stuck.log");
        CountDownLatch unblock = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        EncoderBase<ILoggingEvent> stuck = new EncoderBase<>() {
            @Override
            public byte[] headerBytes() {
                return null;
            }

            @Override
            public byte[] encode(ILoggingEvent event) {
                blocked.countDown();
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return (event.getFormattedMessage() + "\n").getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public byte[] footerBytes() {
                return null;
            }
        };
        BatchingAppender appender = appender(file, stuck, 2, 4);

        logger.info("first");
        blocked.await(10, TimeUnit.SECONDS); // the writer holds "first" and waits
        for (int i = 0; i < 10; i++) {
            logger.info("queued {}", i); // returns at once: 4 wait, 6 are dropped
        }
        assertThat(appender.dropped()).isEqualTo(6);
        unblock.countDown();
        Waits.await().until(() -> lines(file).size() == 6);
        appender.stop();

        assertThat(lines(file)).containsExactly("first", "queued 0", "queued 1", "queued 2", "queued 3",
                "{\"message\":\"6 log events dropped: the output was too slow\",\"logger_name\":\""
                        + BatchingAppender.class.getName() + "\",\"level\":\"WARN\"}");
    }

    @Test
    void aMissingEncoderOrBadSizesKeepItStopped() {
        BatchingAppender none = new BatchingAppender();
        none.setContext(context);
        none.start();
        assertThat(none.isStarted()).isFalse();

        BatchingAppender bad = new BatchingAppender();
        bad.setContext(context);
        bad.setEncoder(pattern("%msg%n"));
        bad.setBatchSize(10);
        bad.setQueueSize(5);
        bad.start();
        assertThat(bad.isStarted()).isFalse();
    }

    private BatchingAppender appender(Path file, ch.qos.logback.core.encoder.Encoder<ILoggingEvent> encoder,
            int batchSize, int queueSize) {
        BatchingAppender appender = new BatchingAppender();
        appender.setContext(context);
        appender.setName("test");
        appender.setEncoder(encoder);
        appender.setFile(file.toString());
        appender.setBatchSize(batchSize);
        appender.setQueueSize(queueSize);
        appender.start();
        assertThat(appender.isStarted()).isTrue();
        logger.addAppender(appender);
        logger.setAdditive(false);
        return appender;
    }

    private PatternLayoutEncoder pattern(String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        return encoder;
    }

    private static List<String> lines(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file) : List.of();
    }
}
