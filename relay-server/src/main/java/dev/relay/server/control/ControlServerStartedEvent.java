package dev.relay.server.control;

import org.springframework.context.ApplicationEvent;

/** Published once the control port is bound; carries the port actually bound (useful with port 0). */
public class ControlServerStartedEvent extends ApplicationEvent {
    private final int port;

    public ControlServerStartedEvent(ControlServer source, int port) {
        super(source);
        this.port = port;
    }

    public int port() {
        return port;
    }
}
