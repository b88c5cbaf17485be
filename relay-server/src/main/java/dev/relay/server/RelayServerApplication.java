package dev.relay.server;

import dev.relay.protocol.transport.LeakDetection;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The relay server: Spring owns configuration, lifecycle, REST and metrics; Netty owns the tunnel traffic. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RelayServerApplication {
    public static void main(String[] args) {
        LeakDetection.offUnlessConfigured();
        SpringApplication.run(RelayServerApplication.class, args);
    }
}
