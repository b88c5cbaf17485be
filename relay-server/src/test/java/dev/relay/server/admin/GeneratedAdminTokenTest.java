package dev.relay.server.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relay.server.security.AdminProperties;
import dev.relay.server.security.AdminToken;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.client.RestTestClient;

/** With no {@code relay.admin.token}, the API is not left open: a random token is generated and logged once. */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"relay.control.port=0", "relay.control.bind-address=127.0.0.1", "relay.admin.token="})
@AutoConfigureRestTestClient
class GeneratedAdminTokenTest {
    private static final Pattern LOGGED = Pattern.compile("WARN .*generated admin token: (\\S+)");

    @Autowired
    private RestTestClient http;

    @Test
    void generatesATokenLogsItOnceAndRequiresIt(CapturedOutput output) {
        Matcher logged = LOGGED.matcher(output.getOut());
        assertThat(logged.find()).as("a WARN line with the generated token in:%n%s", output.getOut()).isTrue();
        String token = logged.group(1);
        assertThat(logged.find()).as("the token is logged once").isFalse();
        assertThat(token).hasSizeGreaterThanOrEqualTo(40);

        http.get().uri("/api/tunnels").exchange().expectStatus().isUnauthorized();
        http.get().uri("/api/tunnels").header(HttpHeaders.AUTHORIZATION, "Bearer ").exchange()
                .expectStatus().isUnauthorized();
        http.get().uri("/api/tunnels").header(HttpHeaders.AUTHORIZATION, "Bearer " + token).exchange()
                .expectStatus().isOk();
    }

    @Test
    void anUnsetOrEmptyTokenNeverMatchesEmpty() {
        AdminToken first = AdminToken.from(new AdminProperties(null));
        AdminToken second = AdminToken.from(new AdminProperties(""));
        assertThat(first.matches("")).isFalse();
        assertThat(second.matches("")).isFalse();
        assertThat(first.toString()).doesNotContain("=").contains("hidden");
    }

    @Test
    void aConfiguredTokenMatchesOnlyItself() {
        AdminToken token = AdminToken.from(new AdminProperties("s3cret"));
        assertThat(token.matches("s3cret")).isTrue();
        assertThat(token.matches("s3cret ")).isFalse();
        assertThat(token.matches("s3cre")).isFalse();
        assertThat(token.matches(null)).isFalse();
        assertThat(new AdminProperties("s3cret").toString()).doesNotContain("s3cret");
    }
}
