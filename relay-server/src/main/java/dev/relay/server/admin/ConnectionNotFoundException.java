package dev.relay.server.admin;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** 404: no open user connection has this id. */
public class ConnectionNotFoundException extends ErrorResponseException {
    public ConnectionNotFoundException(long connectionId) {
        super(HttpStatus.NOT_FOUND, body(connectionId), null);
    }

    private static ProblemDetail body(long connectionId) {
        ProblemDetail problem = AdminProblems.problem(HttpStatus.NOT_FOUND, AdminProblems.CONNECTION_NOT_FOUND,
                "Connection not found", "No open user connection has id " + connectionId + ".");
        problem.setProperty("connectionId", connectionId);
        return problem;
    }
}
