package dev.relay.server.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.server.tunnel.TunnelRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.client.RestTestClient;

/** The admin REST API against the running app, a real relay client, an echo target and real user sockets. */
@AdminAppTest
class AdminApiTest {
    private static final ParameterizedTypeReference<List<Map<String, Object>>> LIST =
            new ParameterizedTypeReference<>() {
            };
    private static final ParameterizedTypeReference<Map<String, Object>> OBJECT = new ParameterizedTypeReference<>() {
    };

    @Autowired
    private RestTestClient http;
    @Autowired
    private Environment environment;
    @Autowired
    private TunnelRegistry registry;

    private RestTestClient admin;
    private EchoServer echo;
    private RelayClient client;
    private Tunnel tunnel;
    private final List<Socket> users = new ArrayList<>();

    @BeforeEach
    void openTunnel() throws IOException {
        awaitRegistryEmpty();
        admin = http.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + AdminAppTest.TOKEN).build();
        echo = EchoServer.start();
        int controlPort = environment.getRequiredProperty("local.relay.control.port", Integer.class);
        client = RelayClient.builder().server("127.0.0.1", controlPort)
                .token(AdminAppTest.CLIENT_TOKEN).connect();
        tunnel = client.openTunnel("127.0.0.1", echo.port());
    }

    @AfterEach
    void closeAll() throws IOException {
        for (Socket user : users) {
            user.close();
        }
        client.close();
        echo.close();
        awaitRegistryEmpty();
    }

    @Test
    void listsTheTunnelWithItsFields() {
        List<Map<String, Object>> tunnels = admin.get().uri("/api/tunnels").exchange()
                .expectStatus().isOk()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_JSON)
                .returnResult(LIST).getResponseBody();

        assertThat(tunnels).hasSize(1);
        Map<String, Object> t = tunnels.get(0);
        assertThat(t).containsOnlyKeys("id", "publicPort", "publicAddress", "clientId", "clientAddress", "target",
                "openedAt", "activeConnections", "totalConnections", "bytesIn", "bytesOut", "allow");
        assertThat(t).containsEntry("allow", List.of())
                .containsEntry("id", tunnel.id())
                .containsEntry("publicPort", tunnel.publicPort())
                .containsEntry("publicAddress", tunnel.publicAddress())
                .containsEntry("clientId", client.sessionId())
                .containsEntry("target", "127.0.0.1:" + echo.port())
                .containsEntry("activeConnections", 0)
                .containsEntry("totalConnections", 0)
                .containsEntry("bytesIn", 0)
                .containsEntry("bytesOut", 0);
        assertThat((String) t.get("clientAddress")).matches("127\\.0\\.0\\.1:\\d+");
        assertIsoInstant(t.get("openedAt"));

        Map<String, Object> one = admin.get().uri("/api/tunnels/{id}", tunnel.id()).exchange()
                .expectStatus().isOk().returnResult(OBJECT).getResponseBody();
        assertThat(one).isEqualTo(t);
    }

    @Test
    void listsTheClient() {
        List<Map<String, Object>> clients = admin.get().uri("/api/clients").exchange()
                .expectStatus().isOk().returnResult(LIST).getResponseBody();

        assertThat(clients).hasSize(1);
        Map<String, Object> c = clients.get(0);
        assertThat(c).containsOnlyKeys("id", "remoteAddress", "agent", "connectedAt", "tunnels");
        assertThat(c).containsEntry("id", client.sessionId()).containsEntry("tunnels", List.of(tunnel.id()));
        assertThat((String) c.get("remoteAddress")).matches("127\\.0\\.0\\.1:\\d+");
        assertThat(c.get("agent")).isInstanceOf(String.class);
        assertIsoInstant(c.get("connectedAt"));
    }

    @Test
    void connectionsShowUpWithTheirBytes() throws IOException {
        Socket user = user();
        Users.assertEchoes(user, "hello\n");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<Map<String, Object>> connections = admin.get().uri("/api/connections").exchange()
                    .expectStatus().isOk().returnResult(LIST).getResponseBody();
            assertThat(connections).hasSize(1);
            Map<String, Object> c = connections.get(0);
            assertThat(c).containsOnlyKeys("id", "tunnelId", "streamId", "remoteAddress", "openedAt", "bytesIn",
                    "bytesOut");
            assertThat(c).containsEntry("tunnelId", tunnel.id()).containsEntry("bytesIn", 6)
                    .containsEntry("bytesOut", 6)
                    .containsEntry("remoteAddress", "127.0.0.1:" + user.getLocalPort());
            assertIsoInstant(c.get("openedAt"));
            assertThat(admin.get().uri("/api/tunnels/{id}/connections", tunnel.id()).exchange()
                    .expectStatus().isOk().returnResult(LIST).getResponseBody()).isEqualTo(connections);
        });
        Map<String, Object> t = admin.get().uri("/api/tunnels/{id}", tunnel.id()).exchange()
                .expectStatus().isOk().returnResult(OBJECT).getResponseBody();
        assertThat(t).containsEntry("activeConnections", 1).containsEntry("totalConnections", 1)
                .containsEntry("bytesIn", 6).containsEntry("bytesOut", 6);
    }

    @Test
    void deletingAConnectionClosesOnlyThatUser() throws IOException {
        Socket first = user();
        Socket second = user();
        Users.assertEchoes(first, "one");
        Users.assertEchoes(second, "two");
        long firstId = connectionIdOf(first);

        admin.delete().uri("/api/connections/{id}", firstId).exchange().expectStatus().isNoContent();

        // The 204 waited for it: the connection is gone already, not eventually.
        assertThat(registry.connection(firstId)).isEmpty();
        assertThat(first.getInputStream().read()).isEqualTo(-1);
        Users.assertEchoes(second, "still here");
        List<Map<String, Object>> left = admin.get().uri("/api/connections").exchange()
                .expectStatus().isOk().returnResult(LIST).getResponseBody();
        assertThat(left).extracting(c -> c.get("remoteAddress")).containsExactly("127.0.0.1:" + second.getLocalPort());
        admin.delete().uri("/api/connections/{id}", firstId).exchange().expectStatus().isNotFound();
    }

    @Test
    void deletingATunnelReleasesItsPortAndTellsTheClient() throws Exception {
        Socket user = user();
        Users.assertEchoes(user, "bye");

        admin.delete().uri("/api/tunnels/{id}", tunnel.id()).exchange().expectStatus().isNoContent();

        assertThat(registry.tunnel(tunnel.id())).isEmpty();
        assertThat(registry.connectionCount()).isZero();
        assertThat(user.getInputStream().read()).isEqualTo(-1);
        try (ServerSocket rebound = new ServerSocket()) {
            rebound.setReuseAddress(true);
            rebound.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), tunnel.publicPort()));
        }
        assertThat(tunnel.closeFuture().get(10, TimeUnit.SECONDS)).contains("operator");
        assertThat(client.isConnected()).isTrue();
        admin.get().uri("/api/tunnels/{id}", tunnel.id()).exchange().expectStatus().isNotFound();
    }

    @Test
    void deletingAClientDisconnectsItAndClosesItsTunnels() throws Exception {
        Socket user = user();
        Users.assertEchoes(user, "bye");

        admin.delete().uri("/api/clients/{id}", client.sessionId()).exchange().expectStatus().isNoContent();

        assertThat(registry.clientCount()).isZero();
        assertThat(registry.tunnelCount()).isZero();
        assertThat(user.getInputStream().read()).isEqualTo(-1);
        client.closeFuture().get(10, TimeUnit.SECONDS);
        tunnel.closeFuture().get(10, TimeUnit.SECONDS);
        assertThat(admin.get().uri("/api/clients").exchange().expectStatus().isOk().returnResult(LIST)
                .getResponseBody()).isEmpty();
    }

    @Test
    void unknownIdsAreNotFoundProblems() {
        admin.get().uri("/api/tunnels/9999").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("urn:relay:problem:tunnel-not-found")
                .jsonPath("$.title").isEqualTo("Tunnel not found")
                .jsonPath("$.status").isEqualTo(404)
                .jsonPath("$.detail").isEqualTo("No open tunnel has id 9999.")
                .jsonPath("$.instance").isEqualTo("/api/tunnels/9999")
                .jsonPath("$.tunnelId").isEqualTo(9999);
        admin.delete().uri("/api/tunnels/9999").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.tunnelId").isEqualTo(9999);
        admin.get().uri("/api/tunnels/9999/connections").exchange().expectStatus().isNotFound();
        admin.delete().uri("/api/connections/9999").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("urn:relay:problem:connection-not-found")
                .jsonPath("$.connectionId").isEqualTo(9999);
        admin.delete().uri("/api/clients/nobody").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("urn:relay:problem:client-not-found")
                .jsonPath("$.clientId").isEqualTo("nobody");
        admin.get().uri("/api/nothing-here").exchange()
                .expectStatus().isNotFound()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON);
    }

    @Test
    void problemsAreProblemJsonEvenWhenPlainJsonIsAsked() {
        admin.get().uri("/api/tunnels/9999").accept(MediaType.APPLICATION_JSON).exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.type").isEqualTo("urn:relay:problem:tunnel-not-found");
    }

    @Test
    void malformedIdsAreBadRequestProblems() {
        admin.get().uri("/api/tunnels/abc").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.type").isEqualTo("urn:relay:problem:invalid-id")
                .jsonPath("$.title").isEqualTo("Invalid id")
                .jsonPath("$.status").isEqualTo(400)
                .jsonPath("$.detail").isEqualTo("tunnelId: 'abc' (expected: a whole number)")
                .jsonPath("$.tunnelId").isEqualTo("abc");
        admin.delete().uri("/api/tunnels/abc").exchange()
                .expectStatus().isBadRequest()
                .expectBody().jsonPath("$.tunnelId").isEqualTo("abc");
        admin.delete().uri("/api/connections/1.5").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.connectionId").isEqualTo("1.5");
        assertThat(registry.tunnelCount()).isOne();
    }

    @Test
    void theApiNeedsTheToken() {
        for (String path : List.of("/api/tunnels", "/api/connections", "/api/clients", "/api/tunnels/abc",
                "/actuator/prometheus", "/actuator/metrics", "/actuator/info", "/actuator", "/nothing-here")) {
            http.get().uri(path).exchange()
                    .expectStatus().isUnauthorized()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"relay-admin\"")
                    .expectBody()
                    .jsonPath("$.type").isEqualTo("urn:relay:problem:unauthorized")
                    .jsonPath("$.status").isEqualTo(401)
                    .jsonPath("$.instance").isEqualTo(path);
            http.get().uri(path).header(HttpHeaders.AUTHORIZATION, "Bearer wrong-token").exchange()
                    .expectStatus().isUnauthorized()
                    .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE,
                            v -> assertThat(v).contains("error=\"invalid_token\""));
        }
        http.get().uri("/api/tunnels").header(HttpHeaders.AUTHORIZATION, "Basic dGVzdC10b2tlbjo=").exchange()
                .expectStatus().isUnauthorized();
        http.get().uri("/api/tunnels").header(HttpHeaders.AUTHORIZATION, "Bearer test-token-and-more").exchange()
                .expectStatus().isUnauthorized();
        http.delete().uri("/api/tunnels/{id}", tunnel.id()).exchange().expectStatus().isUnauthorized();
        assertThat(registry.tunnel(tunnel.id())).isPresent();
        http.get().uri("/api/tunnels").header(HttpHeaders.AUTHORIZATION, "bearer test-token").exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist(HttpHeaders.SET_COOKIE);
    }

    @Test
    void healthIsOpenWithOrWithoutAToken() {
        for (String path : List.of("/actuator/health", "/actuator/health/readiness", "/actuator/health/liveness")) {
            http.get().uri(path).exchange()
                    .expectStatus().isOk()
                    .expectBody().jsonPath("$.status").isEqualTo("UP");
            http.get().uri(path).header(HttpHeaders.AUTHORIZATION, "Bearer wrong-token").exchange()
                    .expectStatus().isOk();
        }
    }

    private Socket user() throws IOException {
        Socket user = Users.connect(tunnel.publicPort());
        users.add(user);
        return user;
    }

    private long connectionIdOf(Socket user) {
        String remote = "127.0.0.1:" + user.getLocalPort();
        List<Map<String, Object>> connections = admin.get().uri("/api/connections").exchange()
                .expectStatus().isOk().returnResult(LIST).getResponseBody();
        return connections.stream().filter(c -> remote.equals(c.get("remoteAddress")))
                .map(c -> ((Number) c.get("id")).longValue())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no connection from " + remote + " in " + connections));
    }

    private static void assertIsoInstant(Object value) {
        assertThat(value).isInstanceOf(String.class);
        assertThat(Instant.parse((String) value)).isBefore(Instant.now().plusSeconds(1));
    }

    private void awaitRegistryEmpty() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(registry.clientCount()).isZero();
            assertThat(registry.tunnelCount()).isZero();
            assertThat(registry.connectionCount()).isZero();
        });
    }
}
