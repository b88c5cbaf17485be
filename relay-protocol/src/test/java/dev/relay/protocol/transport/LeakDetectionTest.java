package dev.relay.protocol.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetector.Level;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LeakDetectionTest {
    private Level level;
    private String property;
    private String legacyProperty;

    @BeforeEach
    void remember() {
        level = ResourceLeakDetector.getLevel();
        property = System.getProperty(LeakDetection.PROPERTY);
        legacyProperty = System.getProperty(LeakDetection.LEGACY_PROPERTY);
    }

    @AfterEach
    void restore() {
        set(LeakDetection.PROPERTY, property);
        set(LeakDetection.LEGACY_PROPERTY, legacyProperty);
        ResourceLeakDetector.setLevel(level);
    }

    @Test
    void offWhenNobodyAskedForALevel() {
        set(LeakDetection.PROPERTY, null);
        set(LeakDetection.LEGACY_PROPERTY, null);
        ResourceLeakDetector.setLevel(Level.SIMPLE);

        assertThat(LeakDetection.offUnlessConfigured()).isEqualTo(Level.DISABLED);
        assertThat(ResourceLeakDetector.isEnabled()).isFalse();
    }

    @Test
    void aLevelSetOnTheCommandLineIsKept() {
        set(LeakDetection.PROPERTY, "paranoid");
        set(LeakDetection.LEGACY_PROPERTY, null);
        ResourceLeakDetector.setLevel(Level.PARANOID);

        assertThat(LeakDetection.offUnlessConfigured()).isEqualTo(Level.PARANOID);
    }

    @Test
    void theLegacyPropertyCountsToo() {
        set(LeakDetection.PROPERTY, null);
        set(LeakDetection.LEGACY_PROPERTY, "advanced");
        ResourceLeakDetector.setLevel(Level.ADVANCED);

        assertThat(LeakDetection.offUnlessConfigured()).isEqualTo(Level.ADVANCED);
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
