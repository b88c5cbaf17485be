package dev.relay.client.cli;

import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.Tunnel;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code relay-client [--server host:port] [--token T] TUNNEL...}: exposes local ports through a relay server. */
@Command(name = "relay-client", mixinStandardHelpOptions = true, versionProvider = RelayClientCommand.Version.class,
        description = "Exposes local TCP ports through a Relay server.%n"
                + "A TUNNEL is PORT (localhost:PORT), HOST:PORT, or either followed by @PUBLIC_PORT.")
public final class RelayClientCommand implements Callable<Integer> {
    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--server"}, paramLabel = "HOST:PORT", defaultValue = "${env:RELAY_SERVER:-localhost:7835}",
            description = "The relay server's control address (env RELAY_SERVER; default ${DEFAULT-VALUE}).")
    private String server;

    @Option(names = {"-t", "--token"}, paramLabel = "TOKEN", defaultValue = "${env:RELAY_TOKEN:-}",
            description = "The token the server expects (env RELAY_TOKEN).")
    private String token;

    @Option(names = "--tls", defaultValue = "${env:RELAY_TLS:-false}",
            description = "Use TLS on the control connection (env RELAY_TLS).")
    private boolean tls;

    @Option(names = "--ca", paramLabel = "FILE", defaultValue = "${env:RELAY_CA}",
            description = "Trust the CA certificates in this PEM file instead of the JVM's; implies --tls (env RELAY_CA).")
    private Path ca;

    @Parameters(arity = "1..*", paramLabel = "TUNNEL", description = "What to expose, e.g. 3000, db:5432, 3000@20080.")
    private List<String> tunnels = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new RelayClientCommand()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<TunnelSpec> specs = new ArrayList<>();
        HostPort serverAddress;
        try {
            serverAddress = HostPort.parse(server, "--server");
            for (String t : tunnels) {
                specs.add(TunnelSpec.parse(t));
            }
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        RelayClient client;
        try {
            RelayClient.Builder builder = RelayClient.builder().server(serverAddress.host(), serverAddress.port())
                    .token(token).tls(tls);
            if (ca != null) {
                builder.trustedCertificates(ca);
            }
            client = builder.connect();
        } catch (RelayException e) {
            err.println("relay-client: " + e.getMessage());
            err.flush();
            return 2;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(client::close, "relay-client-shutdown"));
        try {
            for (TunnelSpec s : specs) {
                Tunnel tunnel = client.openTunnel(s.host(), s.port(), s.publicPort());
                out.println(tunnel.publicAddress() + " -> " + s.host() + ":" + s.port());
                out.flush();
            }
        } catch (RelayException e) {
            err.println("relay-client: " + e.getMessage());
            err.flush();
            client.close();
            return 3;
        }
        String reason = client.closeFuture().join();
        err.println("relay-client: disconnected: " + reason);
        err.flush();
        client.close();
        return 1;
    }

    /** {@code host:port}. */
    record HostPort(String host, int port) {
        static HostPort parse(String value, String what) {
            int colon = value.lastIndexOf(':');
            if (colon <= 0 || colon == value.length() - 1) {
                throw new IllegalArgumentException(what + ": '" + value + "' (expected: HOST:PORT)");
            }
            return new HostPort(value.substring(0, colon), parsePort(value.substring(colon + 1), what, value));
        }
    }

    /** {@code [host:]port[@publicPort]}. */
    record TunnelSpec(String host, int port, int publicPort) {
        static TunnelSpec parse(String value) {
            String local = value;
            int publicPort = 0;
            int at = value.indexOf('@');
            if (at >= 0) {
                local = value.substring(0, at);
                publicPort = parsePort(value.substring(at + 1), "TUNNEL", value);
            }
            int colon = local.lastIndexOf(':');
            if (colon < 0) {
                return new TunnelSpec("localhost", parsePort(local, "TUNNEL", value), publicPort);
            }
            if (colon == 0) {
                throw new IllegalArgumentException("TUNNEL: '" + value + "' (expected: PORT, HOST:PORT or ...@PUBLIC_PORT)");
            }
            return new TunnelSpec(local.substring(0, colon), parsePort(local.substring(colon + 1), "TUNNEL", value),
                    publicPort);
        }
    }

    private static int parsePort(String s, String what, String value) {
        try {
            int p = Integer.parseInt(s);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(what + ": '" + value + "' (expected: a port 1-65535, got '" + s + "')");
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
