package dev.relay.server.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The process's open file descriptors, from {@code /proc/self/fd}. Entries the JVM opens once and keeps for its
 * lifetime whatever a test does are left out: jars the class loader opened (the first test to load a class from a
 * jar opens it), the random devices {@code SecureRandom} keeps open, and the listing's own directory handle.
 */
final class Descriptors {
    private static final Path FDS = Path.of("/proc/self/fd");

    private Descriptors() {
    }

    /** Open descriptors now: number → what it points at. */
    static Map<Integer, String> snapshot() {
        Map<Integer, String> open = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(FDS)) {
            for (Path entry : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(entry).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                if (!jvmLifetime(target)) {
                    open.put(Integer.parseInt(entry.getFileName().toString()), target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FDS, e);
        }
        return open;
    }

    private static boolean jvmLifetime(String target) {
        return target.endsWith(".jar") || target.equals("/dev/random") || target.equals("/dev/urandom")
                || target.startsWith("/proc/");
    }

    /** Fails, naming what is still open, unless no more descriptors are open than in {@code before}. */
    static void assertNoMoreThan(Map<Integer, String> before) {
        Map<Integer, String> now = snapshot();
        if (now.size() > before.size()) {
            List<String> added = now.entrySet().stream()
                    .filter(e -> !e.getValue().equals(before.get(e.getKey())))
                    .map(e -> e.getKey() + " -> " + e.getValue())
                    .limit(20).toList();
            Map<String, Long> kinds = now.values().stream().collect(Collectors.groupingBy(Descriptors::kind,
                    TreeMap::new, Collectors.counting()));
            throw new AssertionError("open descriptors: " + now.size() + " (expected: <= " + before.size()
                    + " as before the scenario); by kind " + kinds + "; new ones include " + added);
        }
    }

    private static String kind(String target) {
        int bracket = target.indexOf(":[");
        return bracket > 0 ? target.substring(0, bracket) : "file";
    }

    /** Every open descriptor, the JVM's own included: what counts against {@link #limit()}. */
    static int countAll() {
        try (java.util.stream.Stream<Path> entries = Files.list(FDS)) {
            return (int) entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + FDS, e);
        }
    }

    /** The soft limit on open files of this process ({@code ulimit -n} as the JVM sees it). */
    static long limit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no 'Max open files' in /proc/self/limits");
    }
}
