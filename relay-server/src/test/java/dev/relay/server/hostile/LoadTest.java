package dev.relay.server.hostile;

import dev.relay.server.e2e.TestServer;
import dev.relay.server.e2e.Waits;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.client.TunnelOptions;
import io.netty.channel.Channel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many users, many clients, many connects: the relay serves them all and, once they are gone, holds no more
 * descriptors, registry entries or heap than before. Users and the local target are Netty peers on one event loop
 * each, so the test itself needs no thread per connection.
 */
@Tag("heavy")
class LoadTest {
    private static final long MiB = 1024 * 1024;
    /** Each user connection holds four descriptors in this one process: user, public side, client side, target. */
    private static final int DESCRIPTORS_PER_USER = 4;

    @RegisterExtension
    final ScenarioGuard guard = new ScenarioGuard();

    @Test
    void tenThousandConcurrentUsersOnOneTunnelEachEchoAPing() throws Exception {
        int users = concurrentUsersWithinTheDescriptorLimit(10_000);
        TestServer server = guard.start(TestServer.hostileBuilder().limits(TestServer.generousLimits()));
        NettyPeers.EchoTarget target = guard.closeLater(new NettyPeers.EchoTarget());
        RelayClient client = guard.closeLater(server.client());
        NettyPeers.Users peers = guard.closeLater(new NettyPeers.Users());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());

        long start = System.nanoTime();
        // At most 256 connects in flight, so that no listen backlog overflows into SYN retries.
        Semaphore inFlight = new Semaphore(256);
        List<CompletableFuture<Channel>> pings = new ArrayList<>(users);
        for (int i = 0; i < users; i++) {
            assertThat(inFlight.tryAcquire(30, TimeUnit.SECONDS)).as("a connect slot within 30 s").isTrue();
            CompletableFuture<Channel> ping = peers.ping(tunnel.publicPort(), "ping " + i + "\n", false);
            ping.whenComplete((c, e) -> inFlight.release());
            pings.add(ping);
        }
        CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(server.registry.connectionCount()).as("user connections open at once").isEqualTo(users);
        assertThat(target.connections()).isEqualTo(users);
        assertThat(peers.connections()).isEqualTo(users);
        report("%,d concurrent users echoed a ping in %d ms", users, took.toMillis());

        peers.closeAll();
        Waits.await(Duration.ofSeconds(60)).until(() -> server.registry.connectionCount() == 0
                && target.connections() == 0);
    }

    @Test
    void hundredClientsWithTenTunnelsEach() throws Exception {
        TestServer server = guard.start(TestServer.hostileBuilder().limits(TestServer.generousLimits()));
        NettyPeers.EchoTarget target = guard.closeLater(new NettyPeers.EchoTarget());
        NettyPeers.Users peers = guard.closeLater(new NettyPeers.Users());
        long start = System.nanoTime();
        List<RelayClient> clients = new ArrayList<>();
        List<CompletableFuture<Tunnel>> opening = new ArrayList<>();
        for (int c = 0; c < 100; c++) {
            RelayClient client = guard.closeLater(server.client());
            clients.add(client);
            for (int t = 0; t < 10; t++) {
                opening.add(client.openTunnelAsync(TunnelOptions.to("127.0.0.1", target.port())));
            }
        }
        List<Integer> ports = new ArrayList<>();
        for (CompletableFuture<Tunnel> t : opening) {
            ports.add(t.get(30, TimeUnit.SECONDS).publicPort());
        }
        assertThat(server.registry.clientCount()).isEqualTo(100);
        assertThat(server.registry.tunnelCount()).isEqualTo(1000);
        assertThat(ports).doesNotHaveDuplicates();

        Semaphore inFlight = new Semaphore(200);
        List<CompletableFuture<Channel>> pings = new ArrayList<>();
        for (int i = 0; i < ports.size(); i++) {
            assertThat(inFlight.tryAcquire(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Channel> ping = peers.ping(ports.get(i), "tunnel " + i + "\n", true);
            ping.whenComplete((c, e) -> inFlight.release());
            pings.add(ping);
        }
        CompletableFuture.allOf(pings.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        report("100 clients, 1,000 tunnels, one user each: %d ms", Duration.ofNanos(System.nanoTime() - start)
                .toMillis());

        CompletableFuture.allOf(clients.stream().map(c -> CompletableFuture.runAsync(c::close))
                .toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        Waits.await(Duration.ofSeconds(30)).untilAsserted(() -> ScenarioGuard.assertEmpty(server.registry));
    }

    @Test
    void thousandConnectCloseCyclesPerSecondForTenSeconds() throws Exception {
        int perSecond = 1000;
        int seconds = 10;
        int total = perSecond * seconds;
        TestServer server = guard.start(TestServer.hostileBuilder().limits(TestServer.generousLimits()));
        NettyPeers.EchoTarget target = guard.closeLater(new NettyPeers.EchoTarget());
        RelayClient client = guard.closeLater(server.client());
        NettyPeers.Users peers = guard.closeLater(new NettyPeers.Users());
        Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
        for (int i = 0; i < 200; i++) { // warm up, so that the heap baseline has every class and pool in it
            peers.ping(tunnel.publicPort(), "warm-up\n", true).get(10, TimeUnit.SECONDS);
        }
        Waits.await().until(() -> server.registry.connectionCount() == 0 && target.connections() == 0);
        long heapBefore = ScenarioGuard.heapAfterGc();

        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Channel>> cycles = new ArrayList<>(total);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger maxInFlight = new AtomicInteger();
        CountDownLatch launched = new CountDownLatch(1);
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        guard.closeLater(pacer::shutdownNow);
        long start = System.nanoTime();
        // Ten connects every 10 ms: a fixed rate catches up if a tick runs late.
        ScheduledFuture<?> schedule = pacer.scheduleAtFixedRate(() -> {
            for (int i = 0; i < perSecond / 100 && cycles.size() < total; i++) {
                maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                CompletableFuture<Channel> cycle = peers.ping(tunnel.publicPort(), "cycle " + cycles.size() + "\n",
                        true);
                cycle.whenComplete((c, e) -> {
                    inFlight.decrementAndGet();
                    if (e != null) {
                        failures.add(e);
                    }
                });
                cycles.add(cycle);
            }
            if (cycles.size() >= total) {
                launched.countDown();
            }
        }, 0, 10, TimeUnit.MILLISECONDS);
        assertThat(launched.await(seconds + 20, TimeUnit.SECONDS)).as("all cycles launched").isTrue();
        schedule.cancel(false);
        Duration launching = Duration.ofNanos(System.nanoTime() - start);
        CompletableFuture.allOf(cycles.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                .get(60, TimeUnit.SECONDS);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failures).as("failed cycles").isEmpty();
        assertThat(launching).as("launching %d cycles at %d/s", total, perSecond)
                .isLessThan(Duration.ofSeconds(seconds + 2));
        Waits.await(Duration.ofSeconds(60)).until(() -> server.registry.connectionCount() == 0
                && target.connections() == 0 && peers.connections() == 0);
        assertThat(server.registry.connectionsAccepted()).isEqualTo(total + 200L);
        cycles.clear(); // the futures hold the closed channels
        long heapAfter = ScenarioGuard.heapAfterGc();
        report("%,d connect/echo/close cycles launched in %d ms, all done in %d ms (at most %d in flight);"
                + " heap after GC %d -> %d MiB", total, launching.toMillis(), took.toMillis(), maxInFlight.get(),
                heapBefore / MiB, heapAfter / MiB);
        assertThat(heapAfter).as("heap after GC, against %d MiB before", heapBefore / MiB)
                .isLessThan(heapBefore + 32 * MiB);
    }

    /**
     * How many concurrent users fit in this process's descriptor limit with room to spare, at most {@code wanted}.
     */
    private static int concurrentUsersWithinTheDescriptorLimit(int wanted) {
        long limit = Descriptors.limit();
        long open = Descriptors.countAll();
        long fit = (limit - open - 1024) / DESCRIPTORS_PER_USER;
        int users = (int) Math.min(wanted, fit / 100 * 100);
        if (users < wanted) {
            report("open files limit %,d (%,d open): %,d concurrent users instead of %,d (%d descriptors each)", limit,
                    open, users, wanted, DESCRIPTORS_PER_USER);
        }
        assertThat(users).as("users that fit in the descriptor limit").isGreaterThanOrEqualTo(1000);
        return users;
    }

    private static void report(String format, Object... args) {
        System.out.println("[hostile] " + String.format(format, args));
    }
}
