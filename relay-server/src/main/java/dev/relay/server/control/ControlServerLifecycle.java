package dev.relay.server.control;

import static java.util.Objects.requireNonNull;

import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link ControlServer} with the application context: starts it once the context is refreshed (a failed
 * bind fails start-up) and stops it before the web server goes away, always running the stop callback.
 */
public class ControlServerLifecycle implements SmartLifecycle {
    private final ControlServer server;
    private final ApplicationEventPublisher events;
    private volatile boolean running;

    public ControlServerLifecycle(ControlServer server, ApplicationEventPublisher events) {
        this.server = requireNonNull(server, "server");
        this.events = requireNonNull(events, "events");
    }

    @Override
    public void start() {
        server.start();
        running = true;
        events.publishEvent(new ControlServerStartedEvent(server, server.port()));
    }

    @Override
    public void stop() {
        throw new UnsupportedOperationException("stop(Runnable) only");
    }

    @Override
    public void stop(Runnable callback) {
        try {
            running = false;
            server.stop();
        } finally {
            callback.run();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        // Start after the web server and stop before it (and before its graceful shutdown), so that the admin API
        // and the readiness probe answer while the control server drains.
        return SmartLifecycle.DEFAULT_PHASE - 512;
    }
}
