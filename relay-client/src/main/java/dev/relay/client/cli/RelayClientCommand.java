package dev.relay.client.cli;

import dev.relay.client.ConnectionEvent;
import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.RelayListener;
import dev.relay.client.Tunnel;
import dev.relay.client.TunnelOptions;
import dev.relay.client.TunnelOptions.ProxyProtocol;
import dev.relay.protocol.transport.LeakDetection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code relay-client [options] TUNNEL...}: exposes local ports through a relay server. */
@Command(name = "relay-client", mixinStandardHelpOptions = true, versionProvider = RelayClientCommand.Version.class,
        sortOptions = false,
        description = {"Exposes local TCP ports through a Relay server.", "",
                "A TUNNEL is PORT (localhost:PORT) or HOST:PORT, optionally followed by @PUBLIC_PORT to ask for a"
                        + " public port and by ,proxy=v1 or ,proxy=v2 to send the local service a PROXY protocol"
                        + " header, and by ,allow=CIDR[;CIDR...] to let only those addresses in:"
                        + " 3000, db:5432, 3000@20080, 8080,proxy=v2, 3000,allow=10.0.0.0/8;192.0.2.7.",
                "Every option can also come from the environment variable named with it."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped (Ctrl-C)", "1:disconnected for good (an operator, or every tunnel closed)",
                "2:cannot connect: server unreachable, token refused, protocol version mismatch",
                "3:a tunnel was refused: port taken, reserved, or outside the server's range"})
public final class RelayClientCommand implements Callable<Integer> {
    static final int EXIT_CLOSED = 1;
    static final int EXIT_CONNECT = 2;
    static final int EXIT_TUNNEL = 3;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--server"}, paramLabel = "HOST:PORT", defaultValue = "${env:RELAY_SERVER:-localhost:7835}",
            description = "The relay server's control address (RELAY_SERVER; default ${DEFAULT-VALUE}).")
    private String server;

    @Option(names = {"-t", "--token"}, paramLabel = "TOKEN", defaultValue = "${env:RELAY_TOKEN:-}",
            description = "The token the server expects (RELAY_TOKEN).")
    private String token;

    @Option(names = "--tls", defaultValue = "${env:RELAY_TLS:-false}",
            description = "Use TLS on the control connection (RELAY_TLS).")
    private boolean tls;

    @Option(names = "--ca", paramLabel = "FILE", defaultValue = "${env:RELAY_CA}",
            description = "Trust the CA certificates in this PEM file instead of the JVM's; implies --tls (RELAY_CA).")
    private Path ca;

    @Option(names = {"-r", "--remote-port"}, paramLabel = "PORT", defaultValue = "${env:RELAY_REMOTE_PORT:-0}",
            description = "Ask for this public port; with one TUNNEL only (RELAY_REMOTE_PORT).")
    private int remotePort;

    @Option(names = "--proxy-protocol", paramLabel = "v1|v2", defaultValue = "${env:RELAY_PROXY_PROTOCOL:-none}",
            description = "Send each local connection a PROXY protocol header with the user's address, for every"
                    + " TUNNEL without its own ,proxy= (RELAY_PROXY_PROTOCOL; default none).")
    private String proxyProtocol;

    @Option(names = {"-q", "--quiet"}, defaultValue = "${env:RELAY_QUIET:-false}",
            description = "Print only the public addresses and errors (RELAY_QUIET).")
    private boolean quiet;

    @Option(names = "--json", defaultValue = "${env:RELAY_JSON:-false}",
            description = "Print one JSON object a line, for scripts (RELAY_JSON).")
    private boolean json;

    @Option(names = "--no-reconnect", defaultValue = "${env:RELAY_NO_RECONNECT:-false}",
            description = "Exit when the connection drops instead of reconnecting (RELAY_NO_RECONNECT).")
    private boolean noReconnect;

    @Parameters(arity = "1..*", paramLabel = "TUNNEL", defaultValue = "${env:RELAY_TUNNELS}", split = "\\s+",
            description = "What to expose (RELAY_TUNNELS, space-separated).")
    private List<String> tunnels = new ArrayList<>();

    public static void main(String[] args) {
        LeakDetection.offUnlessConfigured();
        System.exit(new CommandLine(new RelayClientCommand()).execute(args));
    }

    @Override
    public Integer call() {
        Output out = new Output(spec.commandLine().getOut(), spec.commandLine().getErr(), json, quiet);
        List<TunnelOptions> specs = new ArrayList<>();
        HostPort serverAddress;
        try {
            serverAddress = HostPort.parse(server, "--server");
            ProxyProtocol defaultProxy = proxy(proxyProtocol, "--proxy-protocol");
            for (String t : tunnels) {
                specs.add(parseTunnel(t, defaultProxy));
            }
            if (remotePort != 0) {
                if (specs.size() != 1) {
                    throw new IllegalArgumentException("--remote-port: goes with exactly one TUNNEL (got "
                            + specs.size() + "); use PORT@PUBLIC_PORT for several");
                }
                checkPort(remotePort, "--remote-port", String.valueOf(remotePort));
                specs.set(0, specs.get(0).publicPort(remotePort));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        RelayClient client;
        try {
            RelayClient.Builder builder = RelayClient.builder().server(serverAddress.host(), serverAddress.port())
                    .token(token).tls(tls).reconnect(!noReconnect).listener(out);
            if (ca != null) {
                builder.trustedCertificates(ca);
            }
            client = builder.connect();
        } catch (RelayException e) {
            out.error(e.getMessage());
            return EXIT_CONNECT;
        }
        Thread hook = new Thread(client::close, "relay-client-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        for (TunnelOptions s : specs) {
            try {
                client.openTunnel(s);
            } catch (RelayException e) {
                out.error(e.getMessage() + " (" + s.target() + ")");
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    return EXIT_TUNNEL;
                }
                client.close();
                return EXIT_TUNNEL;
            }
        }
        // Until stopped (Ctrl-C runs the hook, which closes the client and lets the JVM exit), or until the client
        // is closed for good.
        String reason = client.closeFuture().join();
        out.closed(reason);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // Ctrl-C closed the client: the hook is already running
        }
        client.close();
        return EXIT_CLOSED;
    }

    static TunnelOptions parseTunnel(String value, ProxyProtocol defaultProxy) {
        String[] parts = value.split(",", -1);
        String spec = parts[0];
        ProxyProtocol proxy = defaultProxy;
        List<String> allow = List.of();
        for (int i = 1; i < parts.length; i++) {
            String option = parts[i];
            if (option.startsWith("proxy=")) {
                proxy = proxy(option.substring("proxy=".length()), "TUNNEL '" + value + "'");
            } else if (option.startsWith("allow=") && option.length() > "allow=".length()) {
                allow = List.of(option.substring("allow=".length()).split(";"));
            } else {
                throw new IllegalArgumentException("TUNNEL: '" + value
                        + "' (expected options: ,proxy=v1|v2 and ,allow=CIDR[;CIDR...])");
            }
        }
        int publicPort = 0;
        int at = spec.indexOf('@');
        if (at >= 0) {
            publicPort = checkPort(parse(spec.substring(at + 1), value), "TUNNEL", value);
            spec = spec.substring(0, at);
        }
        int colon = spec.lastIndexOf(':');
        String host = colon < 0 ? "localhost" : spec.substring(0, colon);
        if (host.isEmpty()) {
            throw new IllegalArgumentException("TUNNEL: '" + value + "' (expected: PORT, HOST:PORT, ...@PUBLIC_PORT)");
        }
        int port = checkPort(parse(spec.substring(colon + 1), value), "TUNNEL", value);
        return TunnelOptions.to(host, port).publicPort(publicPort).proxyProtocol(proxy).allow(allow);
    }

    private static ProxyProtocol proxy(String value, String what) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "none":
            case "":
                return ProxyProtocol.NONE;
            case "v1":
                return ProxyProtocol.V1;
            case "v2":
                return ProxyProtocol.V2;
            default:
                throw new IllegalArgumentException(what + ": proxy protocol '" + value + "' (expected: v1, v2 or none)");
        }
    }

    private static int parse(String s, String value) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("TUNNEL: '" + value + "' (expected: a port 1-65535, got '" + s + "')");
        }
    }

    private static int checkPort(int p, String what, String value) {
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException(what + ": '" + value + "' (expected: a port 1-65535, got " + p + ")");
        }
        return p;
    }

    /** {@code host:port}. */
    record HostPort(String host, int port) {
        static HostPort parse(String value, String what) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new IllegalArgumentException(what + ": '" + value + "' (expected: HOST:PORT)");
            }
            try {
                return new HostPort(value.substring(0, colon), checkPort(Integer.parseInt(value.substring(colon + 1)),
                        what, value));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + ": '" + value + "' (expected: HOST:PORT)");
            }
        }
    }

    /** What the CLI prints: text for people or JSON lines for scripts. */
    static final class Output implements RelayListener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final boolean json;
        private final boolean quiet;

        Output(PrintWriter out, PrintWriter err, boolean json, boolean quiet) {
            this.out = out;
            this.err = err;
            this.json = json;
            this.quiet = quiet;
        }

        @Override
        public void tunnelOpened(Tunnel t) {
            print(true, t.publicAddress() + " -> " + t.options().target(),
                    Json.object("event", "tunnel-opened", "publicAddress", t.publicAddress(),
                            "target", t.options().target()));
        }

        @Override
        public void tunnelClosed(Tunnel t, String reason) {
            print(false, "tunnel " + t.publicAddress() + " -> " + t.options().target() + " closed: " + reason,
                    Json.object("event", "tunnel-closed", "publicAddress", t.publicAddress(), "reason", reason));
        }

        @Override
        public void disconnected(String reason, Duration retryIn) {
            print(false, "disconnected from the relay server (" + reason + "); reconnecting in "
                    + retryIn.toMillis() + " ms", Json.object("event", "disconnected", "reason", reason,
                    "retryInMs", retryIn.toMillis()));
        }

        @Override
        public void reconnected() {
            print(false, "reconnected; reopening tunnels", Json.object("event", "reconnected"));
        }

        @Override
        public void connectionClosed(ConnectionEvent e) {
            if (quiet && !json) {
                return; // nothing to print: do not format it either (this runs on the I/O thread)
            }
            String remote = e.remoteAddress().startsWith("/") ? e.remoteAddress().substring(1) : e.remoteAddress();
            print(false, java.time.Instant.now() + " " + remote + " -> " + e.tunnel().options().target() + " "
                            + e.bytesFromUser() + " B in, " + e.bytesToUser() + " B out, "
                            + String.format(Locale.ROOT, "%.3f s", e.duration().toNanos() / 1e9)
                            + (e.closeReason() == null ? "" : " (" + e.closeReason() + ")"),
                    Json.object("event", "connection-closed", "time", java.time.Instant.now().toString(),
                            "publicAddress", e.tunnel().publicAddress(), "remoteAddress", remote,
                            "target", e.tunnel().options().target(), "bytesIn", e.bytesFromUser(),
                            "bytesOut", e.bytesToUser(), "durationMs", e.duration().toMillis(),
                            "closeReason", e.closeReason()));
        }

        void closed(String reason) {
            print(false, "relay-client: closed: " + reason, Json.object("event", "closed", "reason", reason));
        }

        void error(String message) {
            if (json) {
                out.println(Json.object("event", "error", "message", message));
                out.flush();
            }
            err.println("relay-client: " + message);
            err.flush();
        }

        private synchronized void print(boolean essential, String text, String jsonLine) {
            if (json) {
                out.println(jsonLine);
            } else if (essential || !quiet) {
                out.println(text);
            }
            out.flush();
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = RelayClientCommand.class.getPackage().getImplementationVersion();
            return new String[] {"relay-client " + (v == null ? "dev" : v)};
        }
    }
}
