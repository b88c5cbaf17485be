package dev.relay.deploy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Just enough of a Kubernetes API server for the chart's {@code lookup} of its own Secret.
 *
 * <p>helm-java renders with {@code DryRun=true} and {@code DryRunOption=none}, so unlike the {@code helm template}
 * command its templates reach a cluster for {@code lookup}. Pointing Helm at this server (through the KUBECONFIG
 * surefire sets) keeps the tests off any real cluster, and lets them play an upgrade: a Secret put here is what a
 * later render finds.
 */
final class FakeKubeApi {
    private static final String KUBECONFIG_SUFFIX = "fake-kube-api/kubeconfig";
    private static FakeKubeApi instance;

    private final HttpServer server;
    private final Map<String, Map<String, String>> secrets = new ConcurrentHashMap<>();

    private FakeKubeApi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts the server once and writes the kubeconfig that points at it. */
    static synchronized FakeKubeApi get() {
        if (instance != null) {
            return instance;
        }
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || !kubeconfig.endsWith(KUBECONFIG_SUFFIX)) {
            throw new IllegalStateException("KUBECONFIG: " + kubeconfig + " (expected: .../" + KUBECONFIG_SUFFIX
                    + ", as the surefire configuration sets; Helm must not reach a real cluster)");
        }
        try {
            instance = new FakeKubeApi();
            Path file = Path.of(kubeconfig);
            Files.createDirectories(file.getParent());
            Files.writeString(file, """
                    apiVersion: v1
                    kind: Config
                    clusters:
                      - name: fake
                        cluster:
                          server: http://127.0.0.1:%d
                    contexts:
                      - name: fake
                        context:
                          cluster: fake
                          user: fake
                    current-context: fake
                    users:
                      - name: fake
                        user: {}
                    """.formatted(instance.server.getAddress().getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> instance.server.stop(0), "fake-kube-api-stop"));
        return instance;
    }

    /** Makes a Secret exist (data given in plain text), as an installed release would have it. */
    void putSecret(String namespace, String name, Map<String, String> data) {
        secrets.put(namespace + "/" + name, Map.copyOf(data));
    }

    void removeSecret(String namespace, String name) {
        secrets.remove(namespace + "/" + name);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!"GET".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, status(405, "MethodNotAllowed", path));
            } else if (path.equals("/api/v1")) {
                respond(exchange, 200, """
                        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
                          {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret",
                           "verbs":["get","list"]}]}""");
            } else if (path.matches("/api/v1/namespaces/[^/]+/secrets/[^/]+")) {
                String[] parts = path.split("/");
                Map<String, String> data = secrets.get(parts[4] + "/" + parts[6]);
                respond(exchange, data == null ? 404 : 200,
                        data == null ? status(404, "NotFound", path) : secret(parts[4], parts[6], data));
            } else {
                respond(exchange, 404, status(404, "NotFound", path));
            }
        }
    }

    private static String secret(String namespace, String name, Map<String, String> data) {
        String encoded = data.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":\"" + Base64.getEncoder()
                        .encodeToString(e.getValue().getBytes(StandardCharsets.UTF_8)) + "\"")
                .collect(Collectors.joining(","));
        return """
                {"kind":"Secret","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},"type":"Opaque",
                 "data":{%s}}""".formatted(name, namespace, encoded);
    }

    private static String status(int code, String reason, String path) {
        return """
                {"kind":"Status","apiVersion":"v1","status":"Failure","message":"%s","reason":"%s","code":%d}"""
                .formatted(path, reason, code);
    }

    private static void respond(HttpExchange exchange, int code, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, body.length);
        exchange.getResponseBody().write(body);
    }
}
