package dev.relay.server.admin;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Runs a close on the data plane and waits, bounded, until it is done, so that a 204 means "gone". */
final class Closes {
    /** How long a DELETE waits for the data plane; a tunnel close waits for its users' sockets to close. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private Closes() {
    }

    /**
     * @param what  names the entry in problem details, e.g. {@code "tunnel 3"}
     * @param close starts the close and returns its completion
     * @throws CloseFailedException if the close did not complete within {@link #TIMEOUT}, or could not start
     */
    static void await(String what, Supplier<CompletableFuture<?>> close) {
        CompletableFuture<?> done;
        try {
            done = close.get();
        } catch (RejectedExecutionException e) {
            throw CloseFailedException.rejected(what, e);
        }
        try {
            done.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw CloseFailedException.timedOut(what, TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CloseFailedException.timedOut(what, TIMEOUT, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(what + ": close failed", e.getCause());
        }
    }
}
