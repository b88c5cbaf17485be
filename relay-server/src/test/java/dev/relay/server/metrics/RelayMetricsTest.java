package dev.relay.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.Tunnel;
import dev.relay.server.admin.AdminAppTest;
import dev.relay.server.admin.EchoServer;
import dev.relay.server.admin.Users;
import dev.relay.server.control.ControlCounters;
import dev.relay.server.tunnel.TunnelRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.client.RestTestClient;

/** The relay's meters as Prometheus scrapes them from the running app. */
@AdminAppTest
class RelayMetricsTest {
    @Autowired
    private RestTestClient http;
    @Autowired
    private Environment environment;
    @Autowired
    private TunnelRegistry registry;

    @Test
    void prometheusShowsClientsTunnelsConnectionsAndBytes() throws Exception {
        awaitIdle();
        Map<String, Double> before = scrape();
        int controlPort = environment.getRequiredProperty("local.relay.control.port", Integer.class);
        try (EchoServer echo = EchoServer.start();
                RelayClient client = RelayClient.builder().server("127.0.0.1", controlPort)
                        .token(AdminAppTest.CLIENT_TOKEN).connect()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", echo.port());
            try (Socket user = Users.connect(tunnel.publicPort())) {
                Users.assertEchoes(user, "0123456789");

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    Map<String, Double> m = scrape();
                    assertThat(m).containsEntry("relay_clients_connected", 1.0)
                            .containsEntry("relay_tunnels_active", 1.0)
                            .containsEntry("relay_connections_active", 1.0);
                    assertThat(m.get("relay_tunnels_opened_total") - before.get("relay_tunnels_opened_total"))
                            .isEqualTo(1.0);
                    assertThat(m.get("relay_connections_accepted_total")
                            - before.get("relay_connections_accepted_total")).isEqualTo(1.0);
                    assertThat(m.get("relay_data_received_bytes_total")
                            - before.get("relay_data_received_bytes_total")).isEqualTo(10.0);
                    assertThat(m.get("relay_data_sent_bytes_total") - before.get("relay_data_sent_bytes_total"))
                            .isEqualTo(10.0);
                    assertThat(m).containsKey("relay_connections_refused_total{reason=\"tunnel-limit\"}");
                });
            }
            // The user left: the connection is gone from the gauges, its bytes stay in the counters, its duration
            // is in the histogram.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                Map<String, Double> m = scrape();
                assertThat(m.get("relay_connection_duration_seconds_count")
                        - before.getOrDefault("relay_connection_duration_seconds_count", 0.0)).isEqualTo(1.0);
                assertThat(m).containsEntry("relay_connections_active", 0.0)
                        .containsEntry("relay_tunnels_active", 1.0);
                assertThat(m.get("relay_data_received_bytes_total")
                        - before.get("relay_data_received_bytes_total")).isEqualTo(10.0);
            });
        }
        awaitIdle();
        assertThat(scrape()).containsEntry("relay_clients_connected", 0.0).containsEntry("relay_tunnels_active", 0.0);
    }

    @Test
    void aRefusedClientCountsAsAnAuthenticationError() {
        String series = "relay_errors_total{cause=\"authentication\"}";
        double before = scrape().get(series);
        int controlPort = environment.getRequiredProperty("local.relay.control.port", Integer.class);
        assertThatThrownBy(() -> RelayClient.builder().server("127.0.0.1", controlPort).token("wrong").connect())
                .isInstanceOf(RelayException.class);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(scrape().get(series) - before).isEqualTo(1.0));
        awaitIdle();
    }

    @Test
    void prometheusNeedsTheToken() {
        http.get().uri("/actuator/prometheus").exchange().expectStatus().isUnauthorized();
        http.get().uri("/actuator/prometheus").header(HttpHeaders.AUTHORIZATION, "Bearer nope").exchange()
                .expectStatus().isUnauthorized();
    }

    @Test
    void bindsEveryMeterWithItsUnit() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        new RelayMetrics(new TunnelRegistry(), new ControlCounters()).bindTo(meters);

        for (String gauge : List.of("relay.clients.connected", "relay.tunnels.active", "relay.connections.active")) {
            assertThat(meters.get(gauge).gauge().value()).isZero();
        }
        for (String counter : List.of("relay.tunnels.opened", "relay.connections.accepted")) {
            assertThat(meters.get(counter).functionCounter().count()).isZero();
        }
        assertThat(meters.get("relay.connections.refused").functionCounters()).extracting(c -> c.getId().getTag("reason"))
                .containsExactlyInAnyOrder("tunnel-closed", "tunnel-limit", "server-limit", "ip-limit", "ip-rate",
                        "access-denied");
        assertThat(meters.get("relay.connection.duration").timer().count()).isZero();
        FunctionCounter received = meters.get("relay.data.received").functionCounter();
        assertThat(received.getId().getBaseUnit()).isEqualTo("bytes");
        assertThat(meters.get("relay.data.sent").functionCounter().getId().getBaseUnit()).isEqualTo("bytes");
        assertThat(meters.get("relay.errors").functionCounters()).extracting(c -> c.getId().getTag("cause"))
                .containsExactlyInAnyOrder("authentication", "protocol", "handshake-timeout", "handshake-limit",
                        "client-limit");
    }

    /**
     * Parses the text exposition format (one {@code name{labels} value} sample a line, comments skipped) into
     * samples by full series and, for labelled series, also by bare name (the first one seen).
     */
    private Map<String, Double> scrape() {
        String text = http.get().uri("/actuator/prometheus")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + AdminAppTest.TOKEN)
                .exchange()
                .expectStatus().isOk()
                .returnResult(String.class).getResponseBody();
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int valueAt = line.lastIndexOf(' ');
            String series = line.substring(0, valueAt).trim();
            double value = Double.parseDouble(line.substring(valueAt + 1));
            samples.put(series, value);
            int labels = series.indexOf('{');
            if (labels > 0) {
                samples.putIfAbsent(series.substring(0, labels), value);
            }
        }
        return samples;
    }

    private void awaitIdle() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(registry.clientCount()).isZero();
            assertThat(registry.tunnelCount()).isZero();
            assertThat(registry.connectionCount()).isZero();
        });
    }
}
