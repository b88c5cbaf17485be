package dev.relay.server.hostile;

import dev.relay.server.e2e.TestServer;
import dev.relay.server.e2e.Waits;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.relay.server.tunnel.TunnelRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

/**
 * What every hostile scenario must leave behind: nothing. Before the test it notes the open file descriptors; after
 * it (and after the test's own {@code @AfterEach}) it closes what the test handed it, newest first, and checks that
 * each registry it was given is empty, that the descriptors are back to their count before the scenario (waiting
 * with a bound, since sockets close on event loops), and that Netty's leak detector reported nothing. Leak reports
 * come when a leaked buffer has been collected: the guard collects garbage and allocates tracked buffers, which
 * makes the detector (at {@code paranoid}, as surefire runs it) report what it found.
 */
final class ScenarioGuard implements BeforeEachCallback, AfterEachCallback {
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final String LEAK_LOGGER = ResourceLeakDetector.class.getName();

    private final Deque<AutoCloseable> resources = new ArrayDeque<>();
    private final List<TestServer> servers = new ArrayList<>();
    private final List<TunnelRegistry> registries = new ArrayList<>();
    private final ListAppender<ILoggingEvent> leaks = new ListAppender<>();
    private Map<Integer, String> descriptorsBefore;

    /** Starts a server that is checked and stopped after the scenario. */
    TestServer start(TestServer.Builder builder) {
        TestServer server = builder.start();
        servers.add(server);
        return server;
    }

    /** Closes {@code resource} after the test, before the checks. */
    <T extends AutoCloseable> T closeLater(T resource) {
        resources.push(resource);
        return resource;
    }

    /** Checks after the scenario that {@code registry} (of a server the guard did not start) holds nothing. */
    void checkEmptyAfterwards(TunnelRegistry registry) {
        registries.add(registry);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assertThat(ResourceLeakDetector.getLevel()).as("leak detection level (surefire sets paranoid)")
                .isGreaterThanOrEqualTo(ResourceLeakDetector.Level.ADVANCED);
        collectAndReportLeaks(); // leaks of earlier tests are theirs: reported before we listen
        leaks.list.clear();
        leaks.start();
        ((Logger) LoggerFactory.getLogger(LEAK_LOGGER)).addAppender(leaks);
        descriptorsBefore = Descriptors.snapshot();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        List<Throwable> failures = new ArrayList<>();
        while (!resources.isEmpty()) {
            try {
                resources.pop().close();
            } catch (Exception | AssertionError e) {
                failures.add(e);
            }
        }
        for (TestServer server : servers) {
            registries.add(server.registry);
        }
        for (TunnelRegistry registry : registries) {
            try {
                Waits.await(SETTLE).untilAsserted(() -> assertEmpty(registry));
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        for (TestServer server : servers) {
            server.close();
        }
        servers.clear();
        registries.clear();
        if (descriptorsBefore != null) { // null if beforeEach failed: nothing to compare with
            try {
                Waits.await(SETTLE).pollInterval(Duration.ofMillis(20))
                        .untilAsserted(() -> Descriptors.assertNoMoreThan(descriptorsBefore));
            } catch (Throwable t) {
                failures.add(t);
            }
        }
        collectAndReportLeaks();
        ((Logger) LoggerFactory.getLogger(LEAK_LOGGER)).detachAppender(leaks);
        if (!leaks.list.isEmpty()) {
            failures.add(new AssertionError("Netty reported " + leaks.list.size() + " leak(s): "
                    + leaks.list.get(0).getFormattedMessage()));
        }
        if (!failures.isEmpty()) {
            AssertionError error = new AssertionError("scenario left something behind: " + failures.get(0),
                    failures.get(0));
            failures.stream().skip(1).forEach(error::addSuppressed);
            throw error;
        }
    }

    static void assertEmpty(TunnelRegistry registry) {
        assertThat(registry.connectionCount()).as("user connections in the registry").isZero();
        assertThat(registry.tunnelCount()).as("tunnels in the registry").isZero();
        assertThat(registry.clientCount()).as("clients in the registry").isZero();
        assertThat(registry.admission().admitted()).as("connections counted by admission control").isZero();
    }

    /**
     * Collects garbage, waits until a sentinel weak reference has been enqueued (reference processing is done), then
     * allocates leak-tracked buffers: the detector reports the leaked buffers it finds in its queue on allocation.
     */
    static void collectAndReportLeaks() {
        collectGarbage();
        for (int i = 0; i < 32; i++) {
            ByteBufAllocator.DEFAULT.directBuffer(1).release();
            Unpooled.buffer(1).release();
        }
    }

    /** A full collection whose reference processing has run (a weak sentinel was enqueued). */
    static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Reference.reachabilityFence(sentinel);
    }

    /** Heap in use after a full collection. */
    static long heapAfterGc() {
        collectGarbage();
        collectGarbage();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
