package dev.relay.server.admin;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** 404: no open tunnel has this id. */
public class TunnelNotFoundException extends ErrorResponseException {
    public TunnelNotFoundException(int tunnelId) {
        super(HttpStatus.NOT_FOUND, body(tunnelId), null);
    }

    private static ProblemDetail body(int tunnelId) {
        ProblemDetail problem = AdminProblems.problem(HttpStatus.NOT_FOUND, AdminProblems.TUNNEL_NOT_FOUND,
                "Tunnel not found", "No open tunnel has id " + tunnelId + ".");
        problem.setProperty("tunnelId", tunnelId);
        return problem;
    }
}
