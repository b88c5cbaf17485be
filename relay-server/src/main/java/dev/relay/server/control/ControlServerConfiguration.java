package dev.relay.server.control;

import dev.relay.server.config.RelayProperties;
import dev.relay.server.tunnel.AdmissionControl;
import dev.relay.server.tunnel.AuditLog;
import dev.relay.server.tunnel.TunnelRegistry;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires the plain-Java data plane into the application context. */
@Configuration(proxyBeanMethods = false)
public class ControlServerConfiguration {
    @Bean
    TunnelRegistry tunnelRegistry(RelayProperties properties) {
        TunnelRegistry registry = new TunnelRegistry(new AdmissionControl(properties.limits(), properties.access()));
        registry.addListener(new AuditLog());
        return registry;
    }

    @Bean
    ControlCounters controlCounters() {
        return new ControlCounters();
    }

    @Bean
    ControlServer controlServer(RelayProperties properties, TunnelRegistry registry, ControlCounters counters) {
        return new ControlServer(properties, registry, counters);
    }

    @Bean
    ControlServerLifecycle controlServerLifecycle(ControlServer server, ApplicationEventPublisher events) {
        return new ControlServerLifecycle(server, events);
    }

    @Bean
    static ControlPortPropertyListener controlPortPropertyListener(ConfigurableApplicationContext context) {
        return new ControlPortPropertyListener(context);
    }
}
