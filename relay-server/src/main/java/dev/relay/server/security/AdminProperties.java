package dev.relay.server.security;

import jakarta.validation.constraints.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * The admin API's credentials, under {@code relay.admin.*}.
 *
 * @param token the bearer token that every admin and actuator request (but health) must carry; empty or unset
 *              means one is generated at start-up and logged once
 */
@ConfigurationProperties("relay.admin")
@Validated
public record AdminProperties(
        // RFC 6750 b64token: anything else cannot be sent in an Authorization header.
        @Pattern(regexp = "[A-Za-z0-9\\-._~+/]*=*",
                message = "must be a bearer token: letters, digits and -._~+/, then any '='")
        String token) {

    @Override
    public String toString() {
        return "AdminProperties[token=" + (token == null || token.isEmpty() ? "<unset>" : "<hidden>") + "]";
    }
}
