package dev.relay.deploy;

import static dev.relay.deploy.ChartRenderTest.labels;
import static dev.relay.deploy.HelmChart.FULLNAME;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** What each value set turns into. */
class ChartValuesTest {

    @Test
    void defaultsCreateTheSecretAndAdvertiseTheInClusterName() {
        Manifests manifests = ValueSet.DEFAULTS.render();
        JsonNode secret = manifests.get("Secret", FULLNAME);

        assertThat(decode(secret.at("/data/tokens"))).matches("[A-Za-z0-9]{32}\n");
        assertThat(decode(secret.at("/data/admin-token"))).matches("[A-Za-z0-9]{40}");
        assertThat(manifests.config("RELAY_PUBLIC_HOST")).isEqualTo(FULLNAME + "-public.tunnels.svc");
        assertThat(manifests.config("RELAY_AUTH_MODE")).isEqualTo("token");
        assertThat(manifests.get("Service", FULLNAME + "-public").at("/spec/type").asString())
                .isEqualTo("LoadBalancer");
        assertThat(manifests.ofKind("ServiceMonitor")).isEmpty();
        assertThat(manifests.ofKind("PodDisruptionBudget")).isEmpty();
        assertThat(manifests.ofKind("NetworkPolicy")).isEmpty();
    }

    @Test
    void upgradeKeepsTheGeneratedTokens() {
        FakeKubeApi api = FakeKubeApi.get();
        api.putSecret(HelmChart.NAMESPACE, FULLNAME, Map.of("tokens", "kept-client-token\n",
                "admin-token", "kept-admin-token"));
        try {
            JsonNode secret = HelmChart.template(Map.of()).get("Secret", FULLNAME);

            assertThat(decode(secret.at("/data/tokens"))).isEqualTo("kept-client-token\n");
            assertThat(decode(secret.at("/data/admin-token"))).isEqualTo("kept-admin-token");
        } finally {
            api.removeSecret(HelmChart.NAMESPACE, FULLNAME);
        }
    }

    @Test
    void tokensGivenAsValuesReplaceTheGeneratedOnes() {
        FakeKubeApi api = FakeKubeApi.get();
        api.putSecret(HelmChart.NAMESPACE, FULLNAME, Map.of("tokens", "old\n", "admin-token", "old-admin"));
        try {
            JsonNode secret = HelmChart.template(Map.of("auth.tokens[0]", "new-a", "auth.tokens[1]", "new-b"))
                    .get("Secret", FULLNAME);

            assertThat(decode(secret.at("/data/tokens"))).isEqualTo("new-a\nnew-b\n");
            assertThat(decode(secret.at("/data/admin-token"))).isEqualTo("old-admin");
        } finally {
            api.removeSecret(HelmChart.NAMESPACE, FULLNAME);
        }
    }

    @Test
    void loadBalancerSetExposesTheRangeAndCarriesTheGivenTokens() {
        Manifests manifests = ValueSet.LOAD_BALANCER.render();
        JsonNode publicService = manifests.get("Service", FULLNAME + "-public");

        assertThat(publicService.at("/spec/type").asString()).isEqualTo("LoadBalancer");
        assertThat(publicService.at("/spec/externalTrafficPolicy").asString()).isEqualTo("Local");
        assertThat(publicService.at("/metadata/annotations/service.beta.kubernetes.io~1aws-load-balancer-type")
                .asString()).isEqualTo("nlb");
        assertThat(publicService.at("/spec/ports").size()).isEqualTo(25);
        assertThat(manifests.get("Service", FULLNAME + "-control").at("/spec/loadBalancerSourceRanges/0")
                .asString()).isEqualTo("203.0.113.0/24");
        assertThat(manifests.config("RELAY_PUBLIC_HOST")).isEqualTo("relay.example.com");
        JsonNode secret = manifests.get("Secret", FULLNAME);
        assertThat(decode(secret.at("/data/tokens"))).isEqualTo("alice-7f3c9a2e1b\nbob-0d4e8f6a2c\n");
        assertThat(decode(secret.at("/data/admin-token"))).isEqualTo("admin-9b1e5c7d3f");
    }

    @Test
    void existingSecretSetCreatesNoSecretAndMountsTheTlsSecret() {
        Manifests manifests = ValueSet.EXISTING_SECRET_TLS.render();

        assertThat(manifests.ofKind("Secret")).isEmpty();
        assertThat(manifests.get("Service", FULLNAME + "-control").at("/spec/ports/0/nodePort").asInt())
                .isEqualTo(30835);
        assertThat(manifests.podSpec().path("terminationGracePeriodSeconds").asInt()).isEqualTo(90);
        assertThat(manifests.config("RELAY_SHUTDOWN_DRAINTIMEOUT")).isEqualTo("60s");
        assertThat(manifests.config("SPRING_LIFECYCLE_TIMEOUTPERSHUTDOWNPHASE")).isEqualTo("65s");
        assertThat(manifests.relayContainer().path("volumeMounts").values())
                .filteredOn(m -> m.path("mountPath").asString().startsWith("/etc/relay/"))
                .allSatisfy(m -> assertThat(m.path("readOnly").asBoolean()).isTrue());
    }

    @Test
    void monitoringSetScrapesTheAdminServiceWithTheAdminToken() {
        Manifests manifests = ValueSet.MONITORING.render();
        JsonNode monitor = manifests.get("ServiceMonitor", FULLNAME);
        JsonNode admin = manifests.get("Service", FULLNAME + "-admin");

        assertThat(monitor.at("/metadata/labels/release").asString()).isEqualTo("prometheus");
        assertThat(labels(admin, "/metadata/labels")).containsAll(labels(monitor, "/spec/selector/matchLabels"));
        for (JsonNode other : manifests.ofKind("Service")) {
            if (other != admin) {
                assertThat(labels(other, "/metadata/labels").containsAll(labels(monitor, "/spec/selector/matchLabels")))
                        .as("%s is selected", other.at("/metadata/name").asString())
                        .isFalse();
            }
        }
        JsonNode endpoint = monitor.at("/spec/endpoints/0");
        assertThat(endpoint.path("port").asString()).isEqualTo("admin");
        assertThat(endpoint.path("path").asString()).isEqualTo("/actuator/prometheus");
        assertThat(endpoint.path("interval").asString()).isEqualTo("15s");
        assertThat(endpoint.at("/authorization/type").asString()).isEqualTo("Bearer");
        assertThat(endpoint.at("/authorization/credentials/name").asString()).isEqualTo(FULLNAME);
        assertThat(endpoint.at("/authorization/credentials/key").asString()).isEqualTo("admin-token");
    }

    @Test
    void monitoringSetProtectsThePodWithABudgetAndANetworkPolicy() {
        Manifests manifests = ValueSet.MONITORING.render();
        var podLabels = labels(manifests.deployment(), "/spec/template/metadata/labels");

        JsonNode budget = manifests.get("PodDisruptionBudget", FULLNAME);
        assertThat(budget.at("/spec/minAvailable").asInt()).isEqualTo(1);
        assertThat(podLabels).containsAll(labels(budget, "/spec/selector/matchLabels"));

        JsonNode policy = manifests.get("NetworkPolicy", FULLNAME);
        assertThat(podLabels).containsAll(labels(policy, "/spec/podSelector/matchLabels"));
        JsonNode ingress = policy.at("/spec/ingress");
        assertThat(ingress.at("/1/ports/0/port").asInt()).isEqualTo(20000);
        assertThat(ingress.at("/1/ports/0/endPort").asInt()).isEqualTo(20009);
        assertThat(ingress.at("/2/ports/0/port").asString()).isEqualTo("admin");
        assertThat(ingress.at("/2/from/0/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").asString())
                .isEqualTo("monitoring");
    }

    @Test
    void hostNetworkBindsThePodToTheNode() {
        Manifests manifests = HelmChart.template(Map.of("hostNetwork", true, "service.public.type", "ClusterIP"));

        assertThat(manifests.podSpec().path("hostNetwork").asBoolean()).isTrue();
        assertThat(manifests.podSpec().path("dnsPolicy").asString()).isEqualTo("ClusterFirstWithHostNet");
        assertThat(manifests.get("Service", FULLNAME + "-public").at("/spec/externalTrafficPolicy").isMissingNode())
                .isTrue();
    }

    @Test
    void authModeNoneMountsNoTokens() {
        Manifests manifests = HelmChart.template(Map.of("auth.mode", "none"));

        assertThat(manifests.config("RELAY_AUTH_MODE")).isEqualTo("none");
        assertThat(manifests.config("RELAY_AUTH_TOKENSFILE")).isNull();
        assertThat(manifests.relayContainer().path("volumeMounts").values())
                .noneMatch(m -> m.path("mountPath").asString().equals("/etc/relay/auth"));
    }

    private static String decode(JsonNode base64) {
        return new String(Base64.getDecoder().decode(base64.asString()), StandardCharsets.UTF_8);
    }
}
