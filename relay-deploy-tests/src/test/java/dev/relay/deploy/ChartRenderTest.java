package dev.relay.deploy;

import static dev.relay.deploy.HelmChart.FULLNAME;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;

/** What must hold whatever the values: run for the defaults and each file in src/test/resources/values. */
class ChartRenderTest {

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void rendersTheServerAndItsThreeServices(ValueSet values) {
        Manifests manifests = values.render();

        assertThat(manifests.deployment().at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(manifests.deployment().at("/spec/strategy/type").asString()).isEqualTo("Recreate");
        assertThat(manifests.ofKind("Service")).extracting(s -> s.at("/metadata/name").asString())
                .containsExactlyInAnyOrder(FULLNAME + "-control", FULLNAME + "-public", FULLNAME + "-admin");
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void everyPublicPortIsAServicePortAndANamedContainerPort(ValueSet values) {
        Manifests manifests = values.render();
        JsonNode service = manifests.get("Service", FULLNAME + "-public");
        boolean nodePort = "NodePort".equals(service.at("/spec/type").asString());

        List<Integer> servicePorts = new ArrayList<>();
        for (JsonNode port : service.at("/spec/ports").values()) {
            int number = port.path("port").asInt();
            servicePorts.add(number);
            assertThat(port.path("name").asString()).isEqualTo("pub-" + number);
            assertThat(port.path("targetPort").asString()).isEqualTo("pub-" + number);
            assertThat(port.path("protocol").asString()).isEqualTo("TCP");
            if (nodePort) {
                assertThat(port.path("nodePort").asInt()).as("node port of %d", number).isEqualTo(number);
            }
        }
        assertThat(servicePorts).containsExactlyElementsOf(values.publicPorts());

        Map<String, Integer> containerPorts = manifests.relayContainer().path("ports").values().stream()
                .collect(Collectors.toMap(p -> p.path("name").asString(), p -> p.path("containerPort").asInt()));
        for (int port : values.publicPorts()) {
            assertThat(containerPorts).containsEntry("pub-" + port, port);
        }
        assertThat(containerPorts).containsEntry("control", 7835).containsEntry("admin", 8080);
        assertThat(manifests.config("RELAY_PUBLIC_PORTRANGE"))
                .isEqualTo(values.firstPublicPort + "-" + values.lastPublicPort);
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void controlServiceTargetsTheControlPort(ValueSet values) {
        JsonNode service = values.render().get("Service", FULLNAME + "-control");

        assertThat(service.at("/spec/ports").values()).singleElement()
                .satisfies(p -> assertThat(p.path("targetPort").asString()).isEqualTo("control"));
        assertThat(values.render().config("RELAY_CONTROL_PORT")).isEqualTo("7835");
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void adminServiceIsClusterIpAndTheOnlyWayToTheAdminPort(ValueSet values) {
        Manifests manifests = values.render();
        JsonNode admin = manifests.get("Service", FULLNAME + "-admin");

        assertThat(admin.at("/spec/type").asString()).isEqualTo("ClusterIP");
        assertThat(admin.at("/spec/ports/0/targetPort").asString()).isEqualTo("admin");
        for (JsonNode service : manifests.ofKind("Service")) {
            if (service == admin) {
                continue;
            }
            assertThat(service.at("/spec/ports").values())
                    .as("ports of %s", service.at("/metadata/name").asString())
                    .noneMatch(p -> p.path("targetPort").asString().equals("admin")
                            || p.path("targetPort").asInt(-1) == 8080);
        }
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void probesUseTheActuatorHealthGroups(ValueSet values) {
        JsonNode container = values.render().relayContainer();

        assertThat(container.at("/livenessProbe/httpGet/path").asString()).isEqualTo("/actuator/health/liveness");
        assertThat(container.at("/readinessProbe/httpGet/path").asString()).isEqualTo("/actuator/health/readiness");
        assertThat(container.at("/startupProbe/httpGet/path").asString()).isEqualTo("/actuator/health/liveness");
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/port").asString()).as(probe).isEqualTo("admin");
        }
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void podRunsAsNonRootWithAReadOnlyRootFileSystem(ValueSet values) {
        Manifests manifests = values.render();
        JsonNode pod = manifests.podSpec();
        JsonNode container = manifests.relayContainer();

        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(1000);
        assertThat(pod.at("/securityContext/seccompProfile/type").asString()).isEqualTo("RuntimeDefault");
        assertThat(pod.at("/enableServiceLinks").asBoolean(true)).isFalse();
        assertThat(pod.at("/automountServiceAccountToken").asBoolean(true)).isFalse();
        assertThat(pod.at("/hostNetwork").asBoolean(false)).isFalse();

        JsonNode securityContext = container.path("securityContext");
        assertThat(securityContext.path("runAsNonRoot").asBoolean()).isTrue();
        assertThat(securityContext.path("runAsUser").asInt()).isEqualTo(1000);
        assertThat(securityContext.path("readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(securityContext.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(securityContext.at("/capabilities/drop").values()).extracting(JsonNode::asString)
                .containsExactly("ALL");
        assertThat(securityContext.at("/seccompProfile/type").asString()).isEqualTo("RuntimeDefault");

        String tmpVolume = mountedAt(container, "/tmp");
        assertThat(volume(pod, tmpVolume).has("emptyDir")).as("/tmp is an emptyDir").isTrue();
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void drainFinishesWithinTheGracePeriod(ValueSet values) {
        Manifests manifests = values.render();
        int grace = manifests.podSpec().path("terminationGracePeriodSeconds").asInt();
        JsonNode preStop = manifests.relayContainer().at("/lifecycle/preStop/exec/command");
        int preStopSleep = Integer.parseInt(preStop.get(1).asString());
        String drain = manifests.config("RELAY_SHUTDOWN_DRAINTIMEOUT");

        assertThat(preStop.get(0).asString()).isEqualTo("sleep");
        assertThat(drain).matches("\\d+s");
        assertThat(grace).isGreaterThan(preStopSleep + Integer.parseInt(drain.replace("s", "")));
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void secretsAreReferencedNeverInlined(ValueSet values) {
        Manifests manifests = values.render();
        JsonNode container = manifests.relayContainer();

        // The admin token arrives by secretKeyRef ...
        JsonNode adminToken = env(container, "RELAY_ADMIN_TOKEN");
        assertThat(adminToken.has("value")).as("RELAY_ADMIN_TOKEN has no literal value").isFalse();
        assertThat(adminToken.at("/valueFrom/secretKeyRef/name").asString()).isEqualTo(values.secretName);
        assertThat(adminToken.at("/valueFrom/secretKeyRef/key").asString()).isEqualTo(values.adminTokenKey);
        // ... the client tokens as a file from the Secret ...
        String tokensFile = manifests.config("RELAY_AUTH_TOKENSFILE");
        assertThat(tokensFile).isEqualTo("/etc/relay/auth/tokens");
        JsonNode auth = volume(manifests.podSpec(), mountedAt(container, "/etc/relay/auth"));
        assertThat(auth.at("/secret/secretName").asString()).isEqualTo(values.secretName);
        assertThat(auth.at("/secret/items/0/key").asString()).isEqualTo(values.tokensKey);
        assertThat(auth.at("/secret/items/0/path").asString()).isEqualTo("tokens");
        // ... and no plain env value or ConfigMap entry looks like or holds a secret.
        for (JsonNode env : container.path("env").values()) {
            if (env.has("value")) {
                assertThat(env.path("name").asString()).as("plain env value")
                        .doesNotContainIgnoringCase("TOKEN").doesNotContainIgnoringCase("PASSWORD");
            }
        }
        for (JsonNode configMap : manifests.ofKind("ConfigMap")) {
            configMap.path("data").forEachEntry((key, value) -> assertThat(key).as("ConfigMap key")
                    .satisfiesAnyOf(k -> assertThat(k).doesNotContainIgnoringCase("TOKEN"),
                            k -> assertThat(value.asString()).startsWith("/etc/relay/")));
        }
        List<String> secrets = Stream.concat(values.secrets.stream(), secretValues(manifests).stream())
                .filter(s -> !s.isBlank()).toList();
        for (JsonNode document : manifests.documents()) {
            if (document.path("kind").asString().equals("Secret")) {
                continue;
            }
            String text = Manifests.text(document);
            for (String secret : secrets) {
                assertThat(text).as("%s %s", document.path("kind").asString(), document.at("/metadata/name"))
                        .doesNotContain(secret);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ValueSet.class)
    void tlsFilesComeFromTheTlsSecret(ValueSet values) {
        Manifests manifests = values.render();
        if (values.tlsSecret == null) {
            assertThat(manifests.config("RELAY_TLS_CERTIFICATE")).isNull();
            assertThat(manifests.podSpec().path("volumes").values())
                    .noneMatch(v -> v.path("name").asString().equals("tls"));
            return;
        }
        assertThat(manifests.config("RELAY_TLS_CERTIFICATE")).isEqualTo("/etc/relay/tls/tls.crt");
        assertThat(manifests.config("RELAY_TLS_PRIVATEKEY")).isEqualTo("/etc/relay/tls/tls.key");
        JsonNode tls = volume(manifests.podSpec(), mountedAt(manifests.relayContainer(), "/etc/relay/tls"));
        assertThat(tls.at("/secret/secretName").asString()).isEqualTo(values.tlsSecret);
        assertThat(tls.at("/secret/items").values()).extracting(i -> i.path("key").asString())
                .containsExactlyInAnyOrder("tls.crt", "tls.key");
    }

    /** Decoded values of the Secrets the chart renders. */
    static List<String> secretValues(Manifests manifests) {
        List<String> values = new ArrayList<>();
        for (JsonNode secret : manifests.ofKind("Secret")) {
            secret.path("data").forEachEntry((key, value) -> {
                String decoded = new String(Base64.getDecoder().decode(value.asString()), StandardCharsets.UTF_8);
                decoded.lines().map(String::trim).forEach(values::add);
            });
        }
        return values;
    }

    static JsonNode env(JsonNode container, String name) {
        return container.path("env").values().stream().filter(e -> name.equals(e.path("name").asString()))
                .findFirst().orElseThrow(() -> new AssertionError("no env " + name));
    }

    static String mountedAt(JsonNode container, String path) {
        return container.path("volumeMounts").values().stream()
                .filter(m -> path.equals(m.path("mountPath").asString())).map(m -> m.path("name").asString())
                .findFirst().orElseThrow(() -> new AssertionError("nothing mounted at " + path));
    }

    static JsonNode volume(JsonNode podSpec, String name) {
        return podSpec.path("volumes").values().stream().filter(v -> name.equals(v.path("name").asString()))
                .findFirst().orElseThrow(() -> new AssertionError("no volume " + name));
    }

    static Set<String> labels(JsonNode document, String pointer) {
        Set<String> labels = new java.util.HashSet<>();
        document.at(pointer).forEachEntry((k, v) -> labels.add(k + "=" + v.asString()));
        return labels;
    }
}
