package dev.relay.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

class ChartLintTest {

    @Test
    void chartPassesStrictLint() {
        LintResult result = HelmChart.lint();

        assertThat(result.isFailed()).as("helm lint --strict:%n%s", String.join("\n", result.getMessages()))
                .isFalse();
    }
}
