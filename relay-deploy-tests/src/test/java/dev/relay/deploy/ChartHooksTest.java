package dev.relay.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The {@code helm test} hook. helm-java's template returns the release manifests without hooks, so this reads
 * the template itself; strict lint (ChartLintTest) renders and checks it.
 */
class ChartHooksTest {

    @Test
    void helmTestPodCurlsTheAdminReadinessEndpoint() throws IOException {
        String template = Files.readString(HelmChart.chart().resolve("templates/tests/test-health.yaml"));

        assertThat(template)
                .contains("\"helm.sh/hook\": test")
                .contains("command: [\"curl\"]")
                .contains("--fail")
                .contains("-admin:{{ .Values.service.admin.port }}/actuator/health/readiness")
                .contains("runAsNonRoot: true")
                .contains("readOnlyRootFilesystem: true");
    }
}
