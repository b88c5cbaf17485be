package dev.relay.server.admin;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** 404: no connected client has this id. */
public class ClientNotFoundException extends ErrorResponseException {
    public ClientNotFoundException(String clientId) {
        super(HttpStatus.NOT_FOUND, body(clientId), null);
    }

    private static ProblemDetail body(String clientId) {
        ProblemDetail problem = AdminProblems.problem(HttpStatus.NOT_FOUND, AdminProblems.CLIENT_NOT_FOUND,
                "Client not found", "No connected client has id '" + clientId + "'.");
        problem.setProperty("clientId", clientId);
        return problem;
    }
}
