package dev.relay.server.security;

import static java.util.Objects.requireNonNull;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

/**
 * Checks a presented bearer token against the {@link AdminToken}. Being an {@link AuthenticationProvider} bean, it
 * also stops Boot from creating its default user with a generated password.
 */
public final class AdminTokenAuthenticationProvider implements AuthenticationProvider {
    private final AdminToken token;

    public AdminTokenAuthenticationProvider(AdminToken token) {
        this.token = requireNonNull(token, "token");
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        Object presented = authentication.getCredentials();
        if (presented instanceof String bearer && token.matches(bearer)) {
            return AdminAuthentication.authenticated();
        }
        throw new BadCredentialsException("invalid admin token");
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return AdminAuthentication.class.isAssignableFrom(authentication);
    }
}
