package dev.relay.server.control;

import dev.relay.server.config.RelayProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether a client's token is valid. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual}, against every known token without stopping early, so neither the length nor the
 * content of a token leaks through timing. Tokens are never logged, except one generated at start-up when none was
 * configured, which must be shown once to be usable. The tokens file is read again when it changes, so a rotated
 * Kubernetes Secret takes effect without a restart.
 */
public final class ClientAuthenticator {
    private static final Logger log = LoggerFactory.getLogger(ClientAuthenticator.class);

    private final RelayProperties.Auth config;
    private final List<byte[]> configured = new ArrayList<>();
    private volatile List<byte[]> fromFile = List.of();
    private volatile FileTime fileVersion;

    public ClientAuthenticator(RelayProperties.Auth config) {
        this.config = config;
        for (String t : config.tokens()) {
            configured.add(digest(t));
        }
        if (config.tokensFile() != null) {
            reloadIfChanged();
        }
        if (config.mode() == RelayProperties.Auth.Mode.TOKEN && configured.isEmpty() && fromFile.isEmpty()) {
            byte[] random = new byte[24];
            new SecureRandom().nextBytes(random);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            configured.add(digest(token));
            log.warn("No client token configured (relay.auth.tokens / relay.auth.tokens-file): generated client token"
                    + " {} for this run only", token);
        }
        if (config.mode() == RelayProperties.Auth.Mode.NONE) {
            log.warn("relay.auth.mode=none: any client may open tunnels on this server");
        }
    }

    /** Whether {@code token} admits a client. */
    public boolean accepts(String token) {
        if (config.mode() == RelayProperties.Auth.Mode.NONE) {
            return true;
        }
        reloadIfChanged();
        byte[] candidate = digest(token);
        boolean match = false;
        for (byte[] known : configured) {
            match |= MessageDigest.isEqual(known, candidate);
        }
        for (byte[] known : fromFile) {
            match |= MessageDigest.isEqual(known, candidate);
        }
        return match;
    }

    private void reloadIfChanged() {
        Path file = config.tokensFile();
        if (file == null) {
            return;
        }
        try {
            FileTime version = Files.getLastModifiedTime(file);
            if (version.equals(fileVersion)) {
                return;
            }
            List<byte[]> tokens = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String t = line.trim();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    tokens.add(digest(t));
                }
            }
            fromFile = List.copyOf(tokens);
            fileVersion = version;
            log.info("loaded {} client token(s) from {}", tokens.size(), file);
        } catch (IOException e) {
            if (fileVersion == null) {
                throw new UncheckedIOException("relay.auth.tokens-file: cannot read " + file, e);
            }
            log.warn("relay.auth.tokens-file: cannot read {} ({}); keeping the tokens read before", file, e.toString());
        }
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
