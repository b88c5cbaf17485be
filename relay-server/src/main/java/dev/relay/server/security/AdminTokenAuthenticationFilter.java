package dev.relay.server.security;

import static java.util.Objects.requireNonNull;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads {@code Authorization: Bearer <token>} and, if the token is right, makes the request the admin's. A wrong
 * token only leaves the request anonymous (and marks it, so that the 401 says {@code invalid_token}): authorization
 * then decides, so that health probes pass whatever header a load balancer adds.
 *
 * <p>Not a bean: Boot would otherwise also register it as a servlet filter outside the security chain.
 */
final class AdminTokenAuthenticationFilter extends OncePerRequestFilter {
    /** Request attribute set when a bearer token was presented and rejected. */
    static final String REJECTED = AdminTokenAuthenticationFilter.class.getName() + ".REJECTED";
    private static final String BEARER = "Bearer ";

    private final AuthenticationManager authenticationManager;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    AdminTokenAuthenticationFilter(AuthenticationManager authenticationManager) {
        this.authenticationManager = requireNonNull(authenticationManager, "authenticationManager");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            String bearer = header.substring(BEARER.length()).trim();
            try {
                Authentication admin = authenticationManager.authenticate(AdminAuthentication.unauthenticated(bearer));
                SecurityContext context = contexts.createEmptyContext();
                context.setAuthentication(admin);
                contexts.setContext(context);
            } catch (AuthenticationException e) {
                contexts.clearContext();
                request.setAttribute(REJECTED, Boolean.TRUE);
                logger.debug("rejected admin bearer token from " + request.getRemoteAddr());
            }
        }
        chain.doFilter(request, response);
    }
}
