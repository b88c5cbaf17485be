package dev.relay.server.tunnel;

import dev.relay.server.config.RelayProperties;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.security.web.util.matcher.IpAddressMatcher;

/**
 * Decides whether a user connection may register: the access lists, the per-address connect rate and concurrent
 * connections, and the server-wide cap. Thread safe: public ports of all clients share it. Per-tunnel caps are the
 * tunnel's own business.
 */
public final class AdmissionControl {
    /** How long an address with no connection keeps its rate state: past this its bucket would be full anyway. */
    private static final long IDLE_NANOS = 10_000_000_000L;
    private static final int SWEEP_EVERY = 4096;

    private final RelayProperties.Limits limits;
    private final List<IpAddressMatcher> allow;
    private final List<IpAddressMatcher> deny;
    private final Map<InetAddress, Source> sources = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final AtomicInteger admissions = new AtomicInteger();

    public AdmissionControl(RelayProperties.Limits limits, RelayProperties.Access access) {
        this.limits = limits;
        this.allow = access.allow().stream().map(c -> new IpAddressMatcher(c.trim())).toList();
        this.deny = access.deny().stream().map(c -> new IpAddressMatcher(c.trim())).toList();
    }

    /**
     * Parses a tunnel's own allow list, comma-separated CIDR blocks.
     *
     * @throws IllegalArgumentException naming the entry that is not an address or a block
     */
    static List<IpAddressMatcher> tunnelAllowList(String csv) {
        if (csv.isBlank()) {
            return List.of();
        }
        List<IpAddressMatcher> matchers = new java.util.ArrayList<>();
        for (String entry : csv.split(",")) {
            try {
                matchers.add(new IpAddressMatcher(entry.trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("allow list entry '" + entry.trim()
                        + "' is not an IP address or CIDR block");
            }
        }
        return List.copyOf(matchers);
    }

    public RelayProperties.Limits limits() {
        return limits;
    }

    /**
     * Admits a connection from {@code address}, counting it, or says why not. A {@code null} result must be paired
     * with one {@link #release(InetAddress)}.
     */
    RefusalReason admit(InetAddress address) {
        if (admissions.incrementAndGet() % SWEEP_EVERY == 0) {
            sweep();
        }
        String ip = address.getHostAddress();
        for (IpAddressMatcher d : deny) {
            if (d.matches(ip)) {
                return RefusalReason.ACCESS_DENIED;
            }
        }
        if (!allow.isEmpty() && allow.stream().noneMatch(a -> a.matches(ip))) {
            return RefusalReason.ACCESS_DENIED;
        }
        Source source = sources.computeIfAbsent(address, a -> new Source(limits.connectRatePerIp()));
        synchronized (source) {
            if (!source.take(limits.connectRatePerIp())) {
                return RefusalReason.IP_RATE;
            }
            if (source.open >= limits.maxConnectionsPerIp()) {
                return RefusalReason.IP_LIMIT;
            }
            if (total.incrementAndGet() > limits.maxConnections()) {
                total.decrementAndGet();
                return RefusalReason.SERVER_LIMIT;
            }
            source.open++;
        }
        return null;
    }

    /** A connection admitted from {@code address} ended. */
    void release(InetAddress address) {
        Source source = sources.get(address);
        if (source != null) {
            synchronized (source) {
                source.open--;
            }
        }
        total.decrementAndGet();
    }

    /** Connections admitted and not yet released. */
    public int admitted() {
        return total.get();
    }

    private void sweep() {
        long now = System.nanoTime();
        sources.entrySet().removeIf(e -> {
            synchronized (e.getValue()) {
                return e.getValue().open == 0 && now - e.getValue().lastRefill > IDLE_NANOS;
            }
        });
    }

    /** One source address: its open connections and a token bucket of connects (one second's worth of burst). */
    private static final class Source {
        int open;
        double tokens;
        long lastRefill = System.nanoTime();

        Source(int rate) {
            tokens = rate;
        }

        boolean take(int rate) {
            long now = System.nanoTime();
            tokens = Math.min(rate, tokens + (now - lastRefill) * rate / 1e9);
            lastRefill = now;
            if (tokens < 1) {
                return false;
            }
            tokens--;
            return true;
        }
    }
}
