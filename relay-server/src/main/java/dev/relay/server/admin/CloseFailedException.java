package dev.relay.server.admin;

import java.time.Duration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * 503: a close was asked for but is not known to be done: it did not finish in time, or the data plane is
 * shutting down and took no more work.
 */
public class CloseFailedException extends ErrorResponseException {
    private CloseFailedException(ProblemDetail body, Throwable cause) {
        super(HttpStatus.SERVICE_UNAVAILABLE, body, cause);
    }

    static CloseFailedException timedOut(String what, Duration timeout, Throwable cause) {
        return new CloseFailedException(AdminProblems.problem(HttpStatus.SERVICE_UNAVAILABLE,
                AdminProblems.CLOSE_TIMEOUT, "Close timed out",
                what + " is closing but did not finish within " + timeout.toSeconds() + "s."), cause);
    }

    static CloseFailedException rejected(String what, Throwable cause) {
        return new CloseFailedException(AdminProblems.problem(HttpStatus.SERVICE_UNAVAILABLE,
                AdminProblems.UNAVAILABLE, "Server stopping",
                what + " could not be closed: the relay data plane is shutting down."), cause);
    }
}
