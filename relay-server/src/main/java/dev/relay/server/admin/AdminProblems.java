package dev.relay.server.admin;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/** The problem types of the admin API (RFC 9457 {@code type} URIs) and a factory for their bodies. */
final class AdminProblems {
    static final URI TUNNEL_NOT_FOUND = type("tunnel-not-found");
    static final URI CONNECTION_NOT_FOUND = type("connection-not-found");
    static final URI CLIENT_NOT_FOUND = type("client-not-found");
    static final URI INVALID_ID = type("invalid-id");
    static final URI CLOSE_TIMEOUT = type("close-timeout");
    static final URI UNAVAILABLE = type("unavailable");

    private AdminProblems() {
    }

    static ProblemDetail problem(HttpStatus status, URI type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        return problem;
    }

    private static URI type(String name) {
        return URI.create("urn:relay:problem:" + name);
    }
}
