package dev.relay.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.RelayClient;
import dev.relay.client.Tunnel;
import dev.relay.server.RelayServerApplication;
import dev.relay.server.e2e.EchoTarget;
import dev.relay.server.e2e.User;
import dev.relay.server.e2e.Waits;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Logging as the server ships it: the server runs in its own JVM with the logging configuration in the jar (not the
 * tests' logback-test.xml). The audit trail is one JSON object a line per event, promptly; no log level lets the
 * admin token out.
 */
class ShippedLoggingTest {
    private static final Pattern LISTENING = Pattern.compile("relay control server listening on \\S+:(\\d+)");
    private static final Pattern ADMIN_PORT = Pattern.compile("Tomcat started on port (\\d+)");

    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private Process server;

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.destroy();
            if (!server.waitFor(20, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void eachUserConnectionLeavesOneJsonLineOnStdout() throws Exception {
        server = startServer("--relay.control.port=0", "--server.port=0", "--relay.control.bind-address=127.0.0.1",
                "--relay.public.bind-address=127.0.0.1", "--relay.auth.tokens=audit-token");
        int controlPort = Waits.await(Duration.ofSeconds(60)).until(this::controlPort, p -> p > 0);

        try (EchoTarget target = EchoTarget.start();
                RelayClient client = RelayClient.builder().server("127.0.0.1", controlPort).token("audit-token")
                        .reconnect(false).connect()) {
            Tunnel tunnel = client.openTunnel("127.0.0.1", target.port());
            for (int i = 0; i < 3; i++) {
                try (User user = User.connect(tunnel.publicPort())) {
                    user.send("ping-" + i);
                    assertThat(user.read(6)).isEqualTo("ping-" + i);
                }
            }
            Waits.await().until(() -> closedEvents().size() == 3);
        }
        for (String line : closedEvents()) {
            assertThat(line).startsWith("{").endsWith("}").contains("\"logger_name\":\"relay.audit\"")
                    .contains("\"bytesIn\":6").contains("\"bytesOut\":6").contains("\"reason\":\"user-closed\"");
        }
        assertThat(stdout).filteredOn(l -> l.contains("\"event\":\"tunnel-opened\"")).hasSize(1);
    }

    @Test
    void tomcatAtTraceDoesNotLogTheAdminTokenFromARequest() throws Exception {
        String token = "admin-token-that-must-not-be-logged-0123456789";
        server = startServer("--relay.control.port=0", "--server.port=0", "--server.address=127.0.0.1",
                "--relay.control.bind-address=127.0.0.1", "--relay.auth.tokens=t", "--relay.admin.token=" + token,
                "--logging.level.org.apache=TRACE");
        int adminPort = Waits.await(Duration.ofSeconds(60)).until(() -> find(ADMIN_PORT), p -> p > 0);

        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + adminPort + "/api/tunnels")).header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        // Tomcat did log at TRACE/DEBUG while it handled the request (so the check below is not vacuous) ...
        Waits.await().until(() -> stdout.stream().anyMatch(l -> l.contains("DEBUG") && l.contains("NioEndpoint")
                && l.contains("exec-")));
        // ... but not the raw request with its Authorization header.
        assertThat(String.join("\n", stdout)).doesNotContain(token);
    }

    private int find(Pattern pattern) {
        for (String line : stdout) {
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    private List<String> closedEvents() {
        return stdout.stream().filter(l -> l.contains("\"event\":\"connection-closed\"")).toList();
    }

    private int controlPort() {
        return find(LISTENING);
    }

    /** The server in a child JVM, on this JVM's class path minus the test classes (and their logback-test.xml). */
    private Process startServer(String... args) throws IOException {
        String classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> !p.replace('\\', '/').endsWith("target/test-classes"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-cp");
        command.add(classPath);
        command.add(RelayServerApplication.class.getName());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    stdout.add(line);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "server-stdout");
        reader.setDaemon(true);
        reader.start();
        return p;
    }
}
