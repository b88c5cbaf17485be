package dev.relay.server.tunnel;

import dev.relay.server.config.RelayProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every connected client, open tunnel and user connection. The data plane writes it (each entry from its own
 * client's event loop); the admin API and metrics read immutable snapshots from it and ask it to close entries.
 */
public final class TunnelRegistry {
    private final AdmissionControl admission;
    private final List<RegistryListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<RefusalReason, AtomicLong> refusals = new EnumMap<>(RefusalReason.class);

    /** A registry with default limits and no access lists. */
    public TunnelRegistry() {
        this(new AdmissionControl(defaultLimits(), new RelayProperties.Access(List.of(), List.of())));
    }

    public TunnelRegistry(AdmissionControl admission) {
        this.admission = admission;
        for (RefusalReason r : RefusalReason.values()) {
            refusals.put(r, new AtomicLong());
        }
    }

    private static RelayProperties.Limits defaultLimits() {
        return new RelayProperties.Limits(1000, 20, 20000, 10000, 1000, 200, 64);
    }

    public AdmissionControl admission() {
        return admission;
    }

    /** Adds a listener for the audit trail or metrics. */
    public void addListener(RegistryListener listener) {
        listeners.add(listener);
    }

    private final ConcurrentMap<String, ClientSession> clients = new ConcurrentHashMap<>();
    private final ConcurrentMap<Integer, Tunnel> tunnels = new ConcurrentHashMap<>();
    private final ConcurrentMap<Long, UserConnection> connections = new ConcurrentHashMap<>();
    private final AtomicLong clientIds = new AtomicLong();
    private final AtomicInteger tunnelIds = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();
    private final AtomicLong tunnelsOpened = new AtomicLong();
    private final AtomicLong connectionsAccepted = new AtomicLong();
    private final AtomicLong connectionsRefused = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong bytesOut = new AtomicLong();
    // Highest totals reported so far: see bytesIn().
    private final AtomicLong bytesInReported = new AtomicLong();
    private final AtomicLong bytesOutReported = new AtomicLong();
    private final ConcurrentMap<Long, CompletableFuture<Void>> connectionRemovals = new ConcurrentHashMap<>();

    String nextClientId() {
        return "c" + clientIds.incrementAndGet();
    }

    int nextTunnelId() {
        return tunnelIds.incrementAndGet();
    }

    long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    void add(ClientSession client) {
        clients.put(client.id(), client);
    }

    void remove(ClientSession client) {
        clients.remove(client.id(), client);
    }

    void add(Tunnel tunnel) {
        tunnels.put(tunnel.id(), tunnel);
        tunnelsOpened.incrementAndGet();
    }

    void remove(Tunnel tunnel) {
        tunnels.remove(tunnel.id(), tunnel);
    }

    void add(UserConnection connection) {
        connections.put(connection.id(), connection);
        connectionsAccepted.incrementAndGet();
    }

    void remove(UserConnection connection) {
        if (connections.remove(connection.id(), connection)) {
            if (!listeners.isEmpty()) {
                UserConnection.Closed closed = connection.closed();
                listeners.forEach(l -> l.connectionClosed(closed));
            }
            bytesIn.addAndGet(connection.bytesIn());
            bytesOut.addAndGet(connection.bytesOut());
            CompletableFuture<Void> removal = connectionRemovals.remove(connection.id());
            if (removal != null) {
                removal.complete(null);
            }
        }
    }

    void refused(int tunnelId, String clientId, String remoteAddress, RefusalReason reason) {
        connectionsRefused.incrementAndGet();
        refusals.get(reason).incrementAndGet();
        for (RegistryListener l : listeners) {
            l.connectionRefused(tunnelId, clientId, remoteAddress, reason);
        }
    }

    /** User connections refused for {@code reason} since start. */
    public long connectionsRefused(RefusalReason reason) {
        return refusals.get(reason).get();
    }

    void clientConnected(ClientSession client) {
        ClientSession.Info info = client.info();
        listeners.forEach(l -> l.clientConnected(info));
    }

    void clientDisconnected(ClientSession client, String reason) {
        ClientSession.Info info = client.info();
        Duration duration = Duration.between(client.connectedAt(), Instant.now());
        listeners.forEach(l -> l.clientDisconnected(info, reason, duration));
    }

    void tunnelOpened(Tunnel tunnel) {
        Tunnel.Info info = tunnel.info();
        listeners.forEach(l -> l.tunnelOpened(info));
    }

    void tunnelClosed(Tunnel tunnel, String reason) {
        Tunnel.Info info = tunnel.info();
        listeners.forEach(l -> l.tunnelClosed(info, reason));
    }

    // ---- reads

    public int clientCount() {
        return clients.size();
    }

    public int tunnelCount() {
        return tunnels.size();
    }

    public int connectionCount() {
        return connections.size();
    }

    public long tunnelsOpened() {
        return tunnelsOpened.get();
    }

    public long connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** User connections closed at once because their tunnel was no longer open. */
    public long connectionsRefused() {
        return connectionsRefused.get();
    }

    /**
     * Bytes received from users, over closed and open connections. Never decreases: a connection that leaves the
     * map between reading the closed total and summing the open ones would otherwise be missed for one read, and a
     * Prometheus counter that dips looks like a restart.
     */
    public long bytesIn() {
        long total = bytesIn.get() + connections.values().stream().mapToLong(UserConnection::bytesIn).sum();
        return bytesInReported.accumulateAndGet(total, Math::max);
    }

    /** Bytes sent to users, over closed and open connections. Never decreases (see {@link #bytesIn()}). */
    public long bytesOut() {
        long total = bytesOut.get() + connections.values().stream().mapToLong(UserConnection::bytesOut).sum();
        return bytesOutReported.accumulateAndGet(total, Math::max);
    }

    /**
     * A future that completes once user connection {@code id} has left the registry (at once if it is not in it),
     * for the admin API to answer a close only when it is done.
     */
    public CompletableFuture<Void> whenConnectionRemoved(long id) {
        CompletableFuture<Void> removal = connectionRemovals.computeIfAbsent(id, k -> new CompletableFuture<>());
        // remove() takes the connection out of the map before it looks for a waiter: if it is gone now, remove()
        // may have looked before we registered, so complete here.
        if (!connections.containsKey(id)) {
            connectionRemovals.remove(id, removal);
            removal.complete(null);
        }
        return removal;
    }

    public List<ClientSession.Info> clients() {
        return snapshot(clients.values(), ClientSession::info, Comparator.comparing(ClientSession.Info::connectedAt));
    }

    public List<Tunnel.Info> tunnels() {
        return snapshot(tunnels.values(), Tunnel::info, Comparator.comparingInt(Tunnel.Info::id));
    }

    public List<UserConnection.Info> connections() {
        return snapshot(connections.values(), UserConnection::info, Comparator.comparingLong(UserConnection.Info::id));
    }

    public Optional<Tunnel> tunnel(int id) {
        return Optional.ofNullable(tunnels.get(id));
    }

    public Optional<UserConnection> connection(long id) {
        return Optional.ofNullable(connections.get(id));
    }

    public Optional<ClientSession> client(String id) {
        return Optional.ofNullable(clients.get(id));
    }

    /** The live session of the client with this identity, if any. */
    public Optional<ClientSession> sessionOf(String identity) {
        return clients.values().stream().filter(c -> c.identity().equals(identity) && c.isOpen()).findFirst();
    }

    /** Live sessions, for the server to close them all at shutdown. */
    public Collection<ClientSession> sessions() {
        return List.copyOf(clients.values());
    }

    private static <T, I> List<I> snapshot(Collection<T> values, java.util.function.Function<T, I> info,
            Comparator<I> order) {
        return values.stream().map(info).sorted(order).toList();
    }
}
