package dev.relay.server.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/** A bearer token presented to the admin API: unchecked as read from the request, or the checked admin. */
final class AdminAuthentication extends AbstractAuthenticationToken {
    static final String PRINCIPAL = "admin";
    private static final List<GrantedAuthority> ADMIN = List.of(new SimpleGrantedAuthority("ROLE_ADMIN"));

    private final String bearer;

    private AdminAuthentication(String bearer, boolean authenticated) {
        super(authenticated ? ADMIN : List.of());
        this.bearer = bearer;
        super.setAuthenticated(authenticated);
    }

    static AdminAuthentication unauthenticated(String bearer) {
        return new AdminAuthentication(bearer, false);
    }

    static AdminAuthentication authenticated() {
        return new AdminAuthentication(null, true);
    }

    @Override
    public Object getCredentials() {
        return bearer;
    }

    @Override
    public Object getPrincipal() {
        return PRINCIPAL;
    }

    @Override
    public void setAuthenticated(boolean authenticated) {
        if (authenticated) {
            throw new IllegalArgumentException(
                    "authenticated: true (expected: only AdminAuthentication.authenticated() creates the admin)");
        }
        super.setAuthenticated(false);
    }
}
