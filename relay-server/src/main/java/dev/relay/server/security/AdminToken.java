package dev.relay.server.security;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one bearer token the admin API accepts. Never printed by {@link #toString()}. */
public final class AdminToken {
    private static final Logger log = LoggerFactory.getLogger(AdminToken.class);
    private static final int GENERATED_BYTES = 32;

    private final byte[] digest;

    private AdminToken(String value) {
        this.digest = sha256(value);
    }

    /**
     * The configured token, or a random one (logged once at WARN) when {@code relay.admin.token} is empty or unset:
     * the API is never left open.
     */
    public static AdminToken from(AdminProperties properties) {
        requireNonNull(properties, "properties");
        String configured = properties.token();
        if (configured != null && !configured.isEmpty()) {
            return new AdminToken(configured);
        }
        byte[] random = new byte[GENERATED_BYTES];
        new SecureRandom().nextBytes(random);
        String generated = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        log.warn("relay.admin.token is not set; generated admin token: {}", generated);
        return new AdminToken(generated);
    }

    /** Whether {@code presented} is the token, in time independent of where (and whether) they differ. */
    public boolean matches(String presented) {
        if (presented == null) {
            return false;
        }
        // Comparing fixed-length digests also hides the token's length.
        return MessageDigest.isEqual(digest, sha256(presented));
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[<hidden>]";
    }
}
