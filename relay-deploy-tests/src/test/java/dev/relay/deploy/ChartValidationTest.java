package dev.relay.deploy;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Values that must stop `helm template`/`install` with a message, before anything reaches a cluster. */
class ChartValidationTest {

    static Stream<Arguments> rejectedBySchema() {
        return Stream.of(
                Arguments.of(Map.of("portRange.start", "abc"), "portRange"),
                Arguments.of(Map.of("portRange.end", 70000), "portRange"),
                Arguments.of(Map.of("portRange.start", 0), "portRange"),
                Arguments.of(Map.of("service.public.type", "Bogus"), "type"),
                Arguments.of(Map.of("service.control.type", "ExternalName"), "type"),
                Arguments.of(Map.of("service.admin.type", "LoadBalancer"), "admin"),
                Arguments.of(Map.of("service.public.externalTrafficPolicy", "Nearest"), "externalTrafficPolicy"),
                Arguments.of(Map.of("auth.mode", "basic"), "mode"),
                Arguments.of(Map.of("controlPort", "seven"), "controlPort"),
                Arguments.of(Map.of("shutdown.drainTimeoutSeconds", -1), "drainTimeoutSeconds"),
                Arguments.of(Map.of("replicaCount", 3), "replicaCount"));
    }

    @ParameterizedTest
    @MethodSource
    void rejectedBySchema(Map<String, Object> set, String named) {
        assertThatThrownBy(() -> HelmChart.template(set))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("schema")
                .hasMessageContaining(named);
    }

    static Stream<Arguments> rejectedByTemplates() {
        return Stream.of(
                Arguments.of(Map.of("portRange.start", 20010, "portRange.end", 20000),
                        "portRange: 20010-20000 (expected: start <= end)"),
                Arguments.of(Map.of("portRange.start", 20000, "portRange.end", 20100),
                        "portRange: 20000-20100 is 101 ports (expected: at most 100"),
                Arguments.of(Map.of("controlPort", 20005), "controlPort: 20005 (expected: outside portRange"),
                Arguments.of(Map.of("adminPort", 7835), "controlPort and adminPort: both 7835"),
                Arguments.of(Map.of("shutdown.terminationGracePeriodSeconds", 30),
                        "shutdown.terminationGracePeriodSeconds: 30 (expected: > preStopSleepSeconds"));
    }

    @ParameterizedTest
    @MethodSource
    void rejectedByTemplates(Map<String, Object> set, String message) {
        assertThatThrownBy(() -> HelmChart.template(set))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(message);
    }
}
