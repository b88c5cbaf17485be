package dev.relay.server.security;

import jakarta.servlet.DispatcherType;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * One stateless filter chain for the whole admin port: the health endpoint (and its probe groups) is open; the admin
 * API, every other actuator endpoint and any other path need the admin bearer token. No sessions, no CSRF (no
 * cookies are ever issued), no form or basic login.
 */
@Configuration(proxyBeanMethods = false)
public class AdminSecurityConfiguration {

    @Bean
    AdminToken adminToken(AdminProperties properties) {
        return AdminToken.from(properties);
    }

    @Bean
    AdminTokenAuthenticationProvider adminTokenAuthenticationProvider(AdminToken adminToken) {
        return new AdminTokenAuthenticationProvider(adminToken);
    }

    @Bean
    SecurityFilterChain adminSecurityFilterChain(HttpSecurity http, AdminTokenAuthenticationProvider provider,
            JsonMapper json) {
        ProblemAuthenticationEntryPoint entryPoint = new ProblemAuthenticationEntryPoint(json);
        return http
                .csrf(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .requestCache(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .addFilterBefore(new AdminTokenAuthenticationFilter(new ProviderManager(provider)),
                        AnonymousAuthenticationFilter.class)
                .exceptionHandling(e -> e.authenticationEntryPoint(entryPoint))
                .authorizeHttpRequests(requests -> requests
                        // An error dispatch renders an error that the original request was already allowed to cause.
                        .dispatcherTypeMatchers(DispatcherType.ERROR).permitAll()
                        .requestMatchers(EndpointRequest.to(HealthEndpoint.class)).permitAll()
                        .anyRequest().authenticated())
                .build();
    }
}
