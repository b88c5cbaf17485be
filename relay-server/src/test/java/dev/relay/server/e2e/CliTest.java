package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The client jar run as a user runs it: a separate process on loopback against a running server. */
class CliTest {
    private static final Path JAR = Path.of("..", "relay-client", "target", "relay-client.jar");
    private static final Pattern ADDRESS = Pattern.compile("tcp://localhost:(\\d+)");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TestServer server;
    private final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void jarIsBuilt() {
        assertThat(JAR).as("the client jar (built by ./mvnw package in relay-client)").exists();
    }

    @BeforeEach
    void start() {
        server = TestServer.builder().portRange("23000-23099").start();
    }

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        server.close();
    }

    @Test
    void printedAddressWorksAndCtrlCFreesThePortAtOnce() throws Exception {
        try (EchoTarget ps = EchoTarget.start()) {
            Process cli = run("--server", "127.0.0.1:" + server.port(), "--token", TestServer.TOKEN,
                    String.valueOf(ps.port()));
            BufferedReader out = reader(cli);
            String line = out.readLine();
            assertThat(line).isEqualTo("tcp://localhost:" + port(line) + " -> localhost:" + ps.port());
            try (User user = User.connect(port(line))) {
                assertThat(user.roundTrip("through the cli\n", 0)).isEqualTo("through the cli\n");
            }
            assertThat(out.readLine()).as("one line per closed connection")
                    .matches(".* 127\\.0\\.0\\.1:\\d+ -> localhost:" + ps.port() + " 16 B in, 16 B out, .*");

            cli.destroy(); // SIGTERM, as Ctrl-C: the client says goodbye and the server frees the port at once
            assertThat(cli.waitFor(20, TimeUnit.SECONDS)).isTrue();
            Waits.await().until(() -> server.registry.tunnelCount() == 0);
            assertThat(server.server.reservedPorts()).isEmpty();
        }
    }

    @Test
    void jsonOutputParsesAndSeveralTunnelsWork() throws Exception {
        try (EchoTarget a = EchoTarget.named("a"); EchoTarget b = EchoTarget.named("b")) {
            Process cli = run("--json", "--server", "127.0.0.1:" + server.port(), "--token", TestServer.TOKEN,
                    String.valueOf(a.port()), "127.0.0.1:" + b.port() + "@23042");
            BufferedReader out = reader(cli);
            JsonNode first = JSON.readTree(out.readLine());
            JsonNode second = JSON.readTree(out.readLine());
            assertThat(first.get("event").asString()).isEqualTo("tunnel-opened");
            assertThat(first.get("target").asString()).isEqualTo("localhost:" + a.port());
            assertThat(second.get("publicAddress").asString()).isEqualTo("tcp://localhost:23042");
            assertThat(second.get("target").asString()).isEqualTo("127.0.0.1:" + b.port());

            try (User ua = User.connect(port(first.get("publicAddress").asString()));
                    User ub = User.connect(23042)) {
                assertThat(ua.roundTrip("x\n", 2)).isEqualTo("a:x\n");
                assertThat(ub.roundTrip("y\n", 2)).isEqualTo("b:y\n");
            }
            List<JsonNode> closed = List.of(JSON.readTree(out.readLine()), JSON.readTree(out.readLine()));
            assertThat(closed).allSatisfy(e -> {
                assertThat(e.get("event").asString()).isEqualTo("connection-closed");
                assertThat(e.get("bytesIn").asLong()).isEqualTo(2);
                assertThat(e.get("bytesOut").asLong()).isEqualTo(4);
                assertThat(e.get("durationMs").asLong()).isNotNegative();
            });
        }
    }

    @Test
    void refusedTokenExitsNonZeroWithTheReason() throws Exception {
        Process cli = run("--server", "127.0.0.1:" + server.port(), "--token", "wrong", "3000");
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isEqualTo(2);
        assertThat(stderr(cli)).contains("invalid token");
    }

    @Test
    void unreachableServerExitsNonZero() throws Exception {
        int closedPort = 24_399; // nothing listens here (outside the ephemeral range, so nothing takes it either)
        Process cli = run("--server", "127.0.0.1:" + closedPort, "3000");
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isEqualTo(2);
        assertThat(stderr(cli)).contains("cannot reach the relay server at 127.0.0.1:" + closedPort);
    }

    @Test
    void portOutsideTheRangeExitsNonZeroWithTheReason() throws Exception {
        Process cli = run("--server", "127.0.0.1:" + server.port(), "--token", TestServer.TOKEN, "3000@24000");
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isEqualTo(3);
        assertThat(stderr(cli)).contains("port 24000 is outside the public port range 23000-23099");
    }

    @Test
    void tokenAndServerComeFromTheEnvironment() throws Exception {
        try (EchoTarget ps = EchoTarget.start()) {
            ProcessBuilder pb = builder(String.valueOf(ps.port()));
            pb.environment().put("RELAY_SERVER", "127.0.0.1:" + server.port());
            pb.environment().put("RELAY_TOKEN", TestServer.TOKEN);
            Process cli = start(pb);
            String line = reader(cli).readLine();
            try (User user = User.connect(port(line))) {
                assertThat(user.roundTrip("env\n", 0)).isEqualTo("env\n");
            }
        }
    }

    @Test
    void badTunnelSpecIsAUsageError() throws Exception {
        Process cli = run("--server", "127.0.0.1:" + server.port(), "3000@notaport");
        assertThat(cli.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(cli.exitValue()).isEqualTo(2); // picocli's usage error code
        assertThat(stderr(cli)).contains("expected: a port 1-65535");
    }

    private Process run(String... args) throws IOException {
        return start(builder(args));
    }

    private static ProcessBuilder builder(String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("RELAY_SERVER");
        pb.environment().remove("RELAY_TOKEN");
        return pb;
    }

    private Process start(ProcessBuilder pb) throws IOException {
        Path err = Files.createTempFile("relay-cli", ".err");
        err.toFile().deleteOnExit();
        pb.redirectError(err.toFile());
        Process p = pb.start();
        processes.add(p);
        errFiles.put(p, err);
        return p;
    }

    private final java.util.Map<Process, Path> errFiles = new java.util.HashMap<>();

    private String stderr(Process p) throws IOException {
        return Files.readString(errFiles.get(p));
    }

    /** The process's output, read with a bounded wait per line. */
    private static BufferedReader reader(Process p) {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        return new BufferedReader(r) {
            @Override
            public String readLine() throws IOException {
                try {
                    String line = CompletableFuture.supplyAsync(() -> {
                        try {
                            return r.readLine();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }).get(30, TimeUnit.SECONDS);
                    assertThat(line).as("a line from the client (it exited?)").isNotNull();
                    return line;
                } catch (Exception e) {
                    throw new IOException("no line from the client within 30s", e);
                }
            }
        };
    }

    private static int port(String text) {
        Matcher m = ADDRESS.matcher(text);
        assertThat(m.find()).as("an address in '%s'", text).isTrue();
        return Integer.parseInt(m.group(1));
    }
}
