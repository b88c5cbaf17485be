package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.client.ConnectionEvent;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayListener;
import dev.relay.client.Tunnel;
import dev.relay.client.TunnelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's embedding example, run as written: the test fails if the two drift apart. */
class ReadmeExampleTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path SELF = Path.of("src", "test", "java", "dev", "relay", "server", "e2e",
            "ReadmeExampleTest.java");

    @Test
    void readmeExampleExposesALocalPort() throws Exception {
        try (TestServer server = TestServer.start(); EchoTarget ps = EchoTarget.start()) {
            String relayHost = "127.0.0.1";
            int relayPort = server.port();
            String token = TestServer.TOKEN;
            int localPort = ps.port();

            // example:embed — from here to the end marker, the README's code block, line for line.
            RelayClient client = RelayClient.builder()
                    .server(relayHost, relayPort)
                    .token(token)
                    .listener(new RelayListener() {
                        @Override
                        public void connectionClosed(ConnectionEvent e) {
                            System.out.println(e.remoteAddress() + " sent " + e.bytesFromUser() + " bytes");
                        }
                    })
                    .connect();
            Tunnel tunnel = client.openTunnel(TunnelOptions.to("localhost", localPort));
            System.out.println("exposed at " + tunnel.publicAddress());
            // ... users connect to tunnel.publicAddress() ...
            try (User user = User.connect(tunnel.publicPort())) {
                assertThat(user.roundTrip("readme\n", 0)).isEqualTo("readme\n");
            }
            client.close();
            // /example:embed

            Waits.await().until(() -> server.registry.clientCount() == 0);
        }
    }

    @Test
    void theExampleAboveIsTheReadmesCodeBlock() throws Exception {
        List<String> readme = block(Files.readString(README), "<!-- example:embed", "<!-- /example:embed -->");
        List<String> self = block(Files.readString(SELF), "// example:embed", "// /example:embed");
        // The test adds a user's round trip (a try block and an assertion); lone closing braces are left out of both.
        List<String> readmeCode = readme.stream().filter(l -> !l.startsWith("```") && !l.equals("}")).toList();
        List<String> testCode = self.stream().filter(l -> !l.startsWith("try (User") && !l.startsWith("assertThat(")
                && !l.equals("}")).toList();
        assertThat(testCode).isEqualTo(readmeCode);
    }

    private static List<String> block(String text, String start, String end) {
        int from = text.indexOf('\n', text.indexOf(start)) + 1;
        int to = text.lastIndexOf('\n', text.indexOf(end));
        return Arrays.stream(text.substring(from, to).split("\n")).map(String::strip).filter(l -> !l.isEmpty())
                .toList();
    }
}
