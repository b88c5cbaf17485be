package dev.relay.deploy;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.yaml.YAMLMapper;

/** The objects of one {@code helm template} run, parsed from its multi-document YAML. */
record Manifests(String yaml, List<JsonNode> documents) {
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    Manifests {
        requireNonNull(yaml, "yaml");
        documents = List.copyOf(documents);
    }

    static Manifests parse(String yaml) {
        List<JsonNode> documents = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode document = it.next();
                // "---" followed by nothing (a template that rendered empty) parses as null or missing.
                if (document != null && document.isObject()) {
                    documents.add(document);
                }
            }
        }
        return new Manifests(yaml, documents);
    }

    List<JsonNode> ofKind(String kind) {
        return documents.stream().filter(d -> kind.equals(d.path("kind").asString())).toList();
    }

    Optional<JsonNode> find(String kind, String name) {
        return ofKind(kind).stream().filter(d -> name.equals(d.at("/metadata/name").asString())).findFirst();
    }

    JsonNode get(String kind, String name) {
        return find(kind, name).orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in:\n"
                + names()));
    }

    JsonNode deployment() {
        List<JsonNode> deployments = ofKind("Deployment");
        if (deployments.size() != 1) {
            throw new AssertionError("expected one Deployment, got " + names());
        }
        return deployments.get(0);
    }

    JsonNode podSpec() {
        return deployment().at("/spec/template/spec");
    }

    JsonNode relayContainer() {
        for (JsonNode container : podSpec().path("containers").values()) {
            if ("relay".equals(container.path("name").asString())) {
                return container;
            }
        }
        throw new AssertionError("no container named relay");
    }

    /** A value of the relay's environment ConfigMap, or null. */
    String config(String key) {
        JsonNode value = get("ConfigMap", HelmChart.FULLNAME + "-env").at("/data/" + key);
        return value.isMissingNode() || value.isNull() ? null : value.asString();
    }

    List<String> names() {
        return documents.stream().map(d -> d.path("kind").asString() + "/" + d.at("/metadata/name").asString())
                .toList();
    }

    /** The YAML text of one document, to search for strings that must not appear in it. */
    static String text(JsonNode document) {
        return YAML.writeValueAsString(document);
    }
}
