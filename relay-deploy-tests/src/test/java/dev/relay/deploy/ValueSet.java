package dev.relay.deploy;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** The value sets the chart is rendered with: its defaults and the files in src/test/resources/values. */
enum ValueSet {
    DEFAULTS(null, 20000, 20009, "relay", "tokens", "admin-token", null),
    LOAD_BALANCER("load-balancer.yaml", 21000, 21024, "relay", "tokens", "admin-token", null,
            "alice-7f3c9a2e1b", "bob-0d4e8f6a2c", "admin-9b1e5c7d3f"),
    EXISTING_SECRET_TLS("existing-secret-tls.yaml", 30100, 30104, "relay-credentials", "client-tokens", "admin",
            "relay-tls"),
    MONITORING("monitoring.yaml", 20000, 20009, "relay", "tokens", "admin-token", null);

    private static final Map<ValueSet, Manifests> RENDERED = new EnumMap<>(ValueSet.class);

    final String file;
    final int firstPublicPort;
    final int lastPublicPort;
    final String secretName;
    final String tokensKey;
    final String adminTokenKey;
    final String tlsSecret;
    /** Secret values this set passes in as values, which must appear only in the Secret. */
    final List<String> secrets;

    ValueSet(String file, int firstPublicPort, int lastPublicPort, String secretName, String tokensKey,
            String adminTokenKey, String tlsSecret, String... secrets) {
        this.file = file;
        this.firstPublicPort = firstPublicPort;
        this.lastPublicPort = lastPublicPort;
        this.secretName = secretName;
        this.tokensKey = tokensKey;
        this.adminTokenKey = adminTokenKey;
        this.tlsSecret = tlsSecret;
        this.secrets = List.of(secrets);
    }

    /** Rendered once per test run: Helm is fast, but not free. */
    synchronized Manifests render() {
        return RENDERED.computeIfAbsent(this, set -> HelmChart.template(set.file, Map.of()));
    }

    List<Integer> publicPorts() {
        return IntStream.rangeClosed(firstPublicPort, lastPublicPort).boxed().toList();
    }
}
