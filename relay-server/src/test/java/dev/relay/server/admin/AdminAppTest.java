package dev.relay.server.admin;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.resttestclient.autoconfigure.AutoConfigureRestTestClient;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The whole app on random ports (loopback only), with the admin token {@value #TOKEN}, the client token
 * {@value #CLIENT_TOKEN} and a
 * {@code RestTestClient} bound to it. One annotation, so that every admin, metrics and health test shares one
 * application context; each test leaves the registry empty.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "relay.control.port=0",
        "relay.control.bind-address=127.0.0.1",
        "relay.public.bind-address=127.0.0.1",
        "relay.auth.tokens=" + AdminAppTest.CLIENT_TOKEN,
        "relay.admin.token=" + AdminAppTest.TOKEN})
@AutoConfigureRestTestClient
public @interface AdminAppTest {
    /** The admin API's bearer token. */
    String TOKEN = "test-token";

    /** The token relay clients connect with. */
    String CLIENT_TOKEN = "client-token";
}
