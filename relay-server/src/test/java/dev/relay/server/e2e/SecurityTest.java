package dev.relay.server.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relay.client.RelayClient;
import dev.relay.client.RelayException;
import dev.relay.client.Tunnel;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Client tokens and TLS on the control connection. */
class SecurityTest {
    @TempDir
    Path dir;

    @Test
    void wrongTokenIsRefusedWithAClearReason() {
        try (TestServer server = TestServer.start()) {
            assertThatThrownBy(() -> RelayClient.builder().server("127.0.0.1", server.port()).token("guess").connect())
                    .isInstanceOf(RelayException.class)
                    .hasMessageContaining("invalid token");
            assertThatThrownBy(() -> RelayClient.builder().server("127.0.0.1", server.port()).connect())
                    .hasMessageContaining("invalid token");
            assertThat(server.server.counters().authenticationFailures()).isEqualTo(2);
            assertThat(server.registry.clientCount()).isZero();
        }
    }

    @Test
    void tunnelWorksOverTls() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        Path certFile = write("server.pem", cert.getCertificatePEM());
        Path keyFile = write("server.key", cert.getPrivateKeyPEM());
        try (TestServer server = TestServer.builder().tls(certFile, keyFile).start();
                EchoTarget ps = EchoTarget.start();
                RelayClient client = RelayClient.builder().server("localhost", server.port()).token(TestServer.TOKEN)
                        .trustedCertificates(certFile).connect()) {
            assertThat(server.server.isTls()).isTrue();
            Tunnel tunnel = client.openTunnel("127.0.0.1", ps.port());
            try (User user = User.connect(tunnel.publicPort())) {
                assertThat(user.roundTrip("over tls\n", 0)).isEqualTo("over tls\n");
            }
        }
    }

    @Test
    void clientThatDoesNotTrustTheCertificateIsRefused() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        X509Bundle other = new CertificateBuilder().subject("CN=someone else").addSanDnsName("localhost")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        Path certFile = write("server.pem", cert.getCertificatePEM());
        Path keyFile = write("server.key", cert.getPrivateKeyPEM());
        Path otherCa = write("other.pem", other.getCertificatePEM());
        try (TestServer server = TestServer.builder().tls(certFile, keyFile).start()) {
            assertThatThrownBy(() -> RelayClient.builder().server("localhost", server.port()).token(TestServer.TOKEN)
                    .trustedCertificates(otherCa).connect())
                    .isInstanceOf(RelayException.class)
                    .hasMessageContaining("TLS handshake failed");
            // The JVM's own trust store does not know a self-signed certificate either.
            assertThatThrownBy(() -> RelayClient.builder().server("localhost", server.port()).token(TestServer.TOKEN)
                    .tls(true).connect())
                    .hasMessageContaining("TLS handshake failed");
            assertThat(server.registry.clientCount()).isZero();
        }
    }

    @Test
    void certificateForAnotherHostIsRefused() throws Exception {
        X509Bundle cert = new CertificateBuilder().subject("CN=relay.example.com").addSanDnsName("relay.example.com")
                .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
        Path certFile = write("server.pem", cert.getCertificatePEM());
        Path keyFile = write("server.key", cert.getPrivateKeyPEM());
        try (TestServer server = TestServer.builder().tls(certFile, keyFile).start()) {
            assertThatThrownBy(() -> RelayClient.builder().server("localhost", server.port()).token(TestServer.TOKEN)
                    .trustedCertificates(certFile).connect())
                    .hasMessageContaining("TLS handshake failed");
        }
    }

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
