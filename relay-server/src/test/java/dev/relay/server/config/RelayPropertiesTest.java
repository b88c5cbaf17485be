package dev.relay.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.validation.autoconfigure.ValidationAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/** Binding and validation of {@code relay.*}: defaults, and start-up failures that name the property. */
class RelayPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ValidationAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RelayProperties.class)
    static class Config {
    }

    @Test
    void defaultsNeedNoConfiguration() {
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            RelayProperties p = context.getBean(RelayProperties.class);
            assertThat(p.control().port()).isEqualTo(7835);
            assertThat(p.control().handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(p.control().maxFrameSize()).isEqualTo(DataSize.ofKilobytes(64));
            assertThat(p.publicPorts().host()).isEqualTo("localhost");
            assertThat(p.publicPorts().range()).isNull();
        });
    }

    @Test
    void portRangeIsParsed() {
        runner.withPropertyValues("relay.public.port-range=20000-20999", "relay.public.host=relay.example.com")
                .run(context -> {
                    RelayProperties p = context.getBean(RelayProperties.class);
                    assertThat(p.publicPorts().range()).isEqualTo(new PortRange(20000, 20999));
                    assertThat(p.publicPorts().host()).isEqualTo("relay.example.com");
                });
    }

    @Test
    void negativeControlPortFailsStartUpNamingTheProperty() {
        assertFailsNaming("relay.control.port=-1", "relay.control.port");
    }

    @Test
    void controlPortAboveRangeFailsStartUp() {
        assertFailsNaming("relay.control.port=70000", "relay.control.port");
    }

    @Test
    void invertedPortRangeFailsStartUpNamingTheProperty() {
        assertFailsNaming("relay.public.port-range=21000-20000", "relay.public.port-range");
    }

    @Test
    void malformedPortRangeFailsStartUpNamingTheProperty() {
        assertFailsNaming("relay.public.port-range=lots", "relay.public.port-range");
        assertFailsNaming("relay.public.idle-timeout=-1s", "relay.public.idle-timeout");
    }

    @Test
    void heartbeatTimeoutNotAboveIntervalFailsStartUp() {
        assertFailsNaming("relay.control.heartbeat-timeout=5s", "relay.control.heartbeat-timeout");
    }

    @Test
    void zeroHandshakeTimeoutFailsStartUp() {
        assertFailsNaming("relay.control.handshake-timeout=0s", "relay.control.handshake-timeout");
    }

    @Test
    void tinyFrameSizeFailsStartUp() {
        assertFailsNaming("relay.control.max-frame-size=1KB", "relay.control.max-frame-size");
    }

    @Test
    void blankPublicHostFailsStartUp() {
        assertFailsNaming("relay.public.host= ", "host");
    }

    private void assertFailsNaming(String property, String name) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            Throwable failure = context.getStartupFailure();
            StringBuilder messages = new StringBuilder();
            for (Throwable t = failure; t != null; t = t.getCause()) {
                messages.append(t.getMessage()).append('\n');
            }
            assertThat(messages.toString()).contains(name);
        });
    }
}
