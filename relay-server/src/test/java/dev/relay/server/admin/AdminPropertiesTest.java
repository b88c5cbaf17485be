package dev.relay.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.server.security.AdminProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code relay.admin.token} is bound and validated at start-up. */
class AdminPropertiesTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Config.class);

    @Test
    void bindsTheToken() {
        runner.withPropertyValues("relay.admin.token=abc-123_~+/=")
                .run(context -> assertThat(context.getBean(AdminProperties.class).token()).isEqualTo("abc-123_~+/="));
    }

    @Test
    void aTokenThatCannotBeSentInAHeaderFailsStartUp() {
        runner.withPropertyValues("relay.admin.token=two words").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().hasMessageContaining("relay.admin");
        });
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(AdminProperties.class)
    static class Config {
    }
}
