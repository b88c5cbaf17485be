package dev.relay.server.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.server.admin.AdminAppTest;
import dev.relay.server.config.RelayProperties;
import dev.relay.server.control.ControlServer;
import dev.relay.server.tunnel.TunnelRegistry;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.client.RestTestClient;

/** The control server's health, alone and in the readiness probe of the running app. */
@AdminAppTest
class ControlServerHealthIndicatorTest {
    @Autowired
    private RestTestClient http;
    @Autowired
    private Environment environment;

    @Test
    void readinessIsUpWithoutATokenAndShowsNoDetails() {
        http.get().uri("/actuator/health/readiness").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components").doesNotExist();
    }

    @Test
    void readinessIncludesTheControlServerWithDetailsForTheAdmin() {
        int controlPort = environment.getRequiredProperty("local.relay.control.port", Integer.class);
        http.get().uri("/actuator/health/readiness")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + AdminAppTest.TOKEN).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.readinessState.status").isEqualTo("UP")
                .jsonPath("$.components.controlServer.status").isEqualTo("UP")
                .jsonPath("$.components.controlServer.details.port").isEqualTo(controlPort)
                .jsonPath("$.components.controlServer.details.tls").isEqualTo(false)
                .jsonPath("$.components.controlServer.details.clients").isNumber()
                .jsonPath("$.components.controlServer.details.tunnels").isNumber();
    }

    @Test
    void livenessLeavesTheControlServerOut() {
        http.get().uri("/actuator/health/liveness")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + AdminAppTest.TOKEN).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.livenessState").exists()
                .jsonPath("$.components.controlServer").doesNotExist();
    }

    @Test
    void isDownUntilTheControlPortIsBoundAndAfterItIsClosed() {
        RelayProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
                "relay.control.port", "0", "relay.control.bind-address", "127.0.0.1")))
                .bindOrCreate("relay", Bindable.of(RelayProperties.class));
        TunnelRegistry registry = new TunnelRegistry();
        ControlServer server = new ControlServer(properties, registry);
        ControlServerHealthIndicator indicator = new ControlServerHealthIndicator(server, registry);

        Health before = indicator.health();
        assertThat(before.getStatus()).isEqualTo(Status.DOWN);
        assertThat(before.getDetails()).containsEntry("port", -1).containsEntry("clients", 0)
                .containsEntry("tunnels", 0);

        server.start();
        try {
            Health running = indicator.health();
            assertThat(running.getStatus()).isEqualTo(Status.UP);
            assertThat(running.getDetails()).containsEntry("port", server.port());
        } finally {
            server.stop();
        }
        assertThat(indicator.health().getStatus()).isEqualTo(Status.DOWN);
    }
}
