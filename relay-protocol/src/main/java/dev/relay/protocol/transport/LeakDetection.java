package dev.relay.protocol.transport;

import io.netty.util.ResourceLeakDetector;

/**
 * Netty's buffer leak detection for the relay's own processes. By default Netty samples one buffer in 128 and
 * records a stack trace when it is allocated and when it is released: in the connect-and-close and round-trip
 * benchmarks that was about a tenth of the relay's CPU per round trip. The relay's tests run with paranoid
 * detection (every buffer), so the server and the client CLI turn it off unless it is asked for with
 * {@code -Dio.netty.leakDetection.level=...}. A program that embeds the client keeps its own setting.
 */
public final class LeakDetection {
    static final String PROPERTY = "io.netty.leakDetection.level";
    static final String LEGACY_PROPERTY = "io.netty.leakDetectionLevel";

    private LeakDetection() {
    }

    /** Turns leak detection off unless a level was set on the command line; returns the level in force. */
    public static ResourceLeakDetector.Level offUnlessConfigured() {
        if (System.getProperty(PROPERTY) == null && System.getProperty(LEGACY_PROPERTY) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        return ResourceLeakDetector.getLevel();
    }
}
