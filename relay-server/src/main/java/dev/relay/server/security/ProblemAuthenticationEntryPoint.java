package dev.relay.server.security;

import static java.util.Objects.requireNonNull;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers an unauthenticated request with 401, an RFC 6750 {@code WWW-Authenticate: Bearer} challenge and an
 * RFC 9457 problem body. Security runs before Spring MVC, so the admin problem handler never sees these.
 */
final class ProblemAuthenticationEntryPoint implements AuthenticationEntryPoint {
    static final String TYPE = "urn:relay:problem:unauthorized";
    private static final String REALM = "relay-admin";

    private final JsonMapper json;

    ProblemAuthenticationEntryPoint(JsonMapper json) {
        this.json = requireNonNull(json, "json");
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException cause)
            throws IOException {
        boolean rejected = request.getAttribute(AdminTokenAuthenticationFilter.REJECTED) != null;
        String challenge = rejected
                ? "Bearer realm=\"" + REALM + "\", error=\"invalid_token\", error_description=\"invalid admin token\""
                : "Bearer realm=\"" + REALM + "\"";
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", TYPE);
        problem.put("title", "Unauthorized");
        problem.put("status", HttpStatus.UNAUTHORIZED.value());
        problem.put("detail", rejected ? "The bearer token is not the admin token (relay.admin.token)."
                : "This endpoint needs 'Authorization: Bearer <relay.admin.token>'.");
        problem.put("instance", request.getRequestURI());
        response.setStatus(HttpStatus.UNAUTHORIZED.value());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), problem);
    }
}
