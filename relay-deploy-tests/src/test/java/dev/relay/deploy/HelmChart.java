package dev.relay.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs real Helm (helm-java's native library, Helm 3) on helm/relay. Its template output holds the release's
 * manifests but not its hooks (the {@code helm test} pod), unlike the {@code helm template} command.
 */
final class HelmChart {
    static final String RELEASE = "relay";
    static final String NAMESPACE = "tunnels";
    /** The release name contains the chart name, so the fullname is the release name. */
    static final String FULLNAME = "relay";

    private HelmChart() {
    }

    /** The repository root: the surefire property set by the pom, or the module directory's parent. */
    static Path repositoryRoot() {
        Path root = Path.of(System.getProperty("relay.root", "..")).toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("helm/relay/Chart.yaml"))) {
            throw new IllegalStateException("relay.root: " + root + " (expected: the directory holding helm/relay)");
        }
        return root;
    }

    static Path chart() {
        return repositoryRoot().resolve("helm/relay");
    }

    static LintResult lint() {
        FakeKubeApi.get();
        return new Helm(chart()).lint().strict().call();
    }

    /** Renders the chart with a values file from src/test/resources/values (or none) and --set overrides. */
    static Manifests template(String valuesFile, Map<String, ?> set) {
        FakeKubeApi.get();
        TemplateCommand template = new Helm(chart()).template().withName(RELEASE).withNamespace(NAMESPACE);
        if (valuesFile != null) {
            template.withValuesFile(valuesFile(valuesFile));
        }
        set.forEach(template::set);
        return Manifests.parse(template.call());
    }

    static Manifests template(Map<String, ?> set) {
        return template(null, set);
    }

    static Path valuesFile(String name) {
        URL resource = HelmChart.class.getResource("/values/" + name);
        if (resource == null) {
            throw new IllegalArgumentException("values file: " + name + " (expected: in src/test/resources/values)");
        }
        try {
            return Path.of(resource.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
