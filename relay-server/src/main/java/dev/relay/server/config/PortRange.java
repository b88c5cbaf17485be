package dev.relay.server.config;

/** An inclusive range of TCP ports, written {@code low-high}. */
public record PortRange(int low, int high) {
    private static final String PROPERTY = "relay.public.port-range";

    public PortRange {
        if (low < 1 || high > 65535 || low > high) {
            throw new IllegalArgumentException(PROPERTY + ": " + low + "-" + high
                    + " (expected: low-high with 1 <= low <= high <= 65535)");
        }
    }

    /** Parses {@code low-high}; an empty or blank value is {@code null}, meaning any free port. */
    public static PortRange parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String[] parts = value.trim().split("-", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException(PROPERTY + ": '" + value + "' (expected: low-high, e.g. 20000-20999)");
        }
        try {
            return new PortRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PROPERTY + ": '" + value + "' (expected: low-high, e.g. 20000-20999)");
        }
    }

    public boolean contains(int port) {
        return port >= low && port <= high;
    }

    public int size() {
        return high - low + 1;
    }

    @Override
    public String toString() {
        return low + "-" + high;
    }
}
