package dev.relay.server.control;

import java.util.Map;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

/** Puts {@code local.relay.control.port} into the environment once bound, as Boot does for the web port. */
public class ControlPortPropertyListener implements ApplicationListener<ControlServerStartedEvent> {
    private static final String SOURCE = "relay.control.ports";

    private final ConfigurableApplicationContext context;

    public ControlPortPropertyListener(ConfigurableApplicationContext context) {
        this.context = context;
    }

    @Override
    public void onApplicationEvent(ControlServerStartedEvent event) {
        MutablePropertySources sources = context.getEnvironment().getPropertySources();
        sources.remove(SOURCE);
        sources.addFirst(new MapPropertySource(SOURCE, Map.of("local.relay.control.port", event.port())));
    }
}
