# syntax=docker/dockerfile:1
#
# Relay images. Two targets; the server is the last stage, so it is the default:
#   docker build -t relay-server .                    # the server (Spring Boot, layered)
#   docker build --target client -t relay-client .    # the slim client CLI
# Build with BuildKit (the default of current Docker): the Maven repository is a cache mount, so dependencies
# are downloaded once per builder, not per build.

# ---- build: both jars, with the project's Maven wrapper ------------------------------------------------------
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# .dockerignore lets in only the wrapper, the poms and each module's src/main.
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q package -DskipTests -pl relay-server,relay-client -am
# Spring Boot's layered layout: dependencies change less often than our classes, so they get their own layers.
RUN java -Djarmode=tools -jar relay-server/target/relay-server.jar \
        extract --layers --launcher --destination /extracted

# ---- client: java -jar relay-client.jar ---------------------------------------------------------------------
FROM eclipse-temurin:21-jre AS client
LABEL org.opencontainers.image.title="relay-client" \
      org.opencontainers.image.description="Relay client: exposes local TCP ports through a Relay server"
WORKDIR /app
COPY --from=build /src/relay-client/target/relay-client.jar /app/relay-client.jar
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
USER 1000:1000
ENTRYPOINT ["java", "-jar", "/app/relay-client.jar"]

# ---- server (default target) --------------------------------------------------------------------------------
FROM eclipse-temurin:21-jre AS server
LABEL org.opencontainers.image.title="relay-server" \
      org.opencontainers.image.description="Relay server: TCP reverse-tunnel relay with an admin API"
WORKDIR /app
COPY --from=build /extracted/dependencies/ ./
COPY --from=build /extracted/spring-boot-loader/ ./
COPY --from=build /extracted/snapshot-dependencies/ ./
COPY --from=build /extracted/application/ ./
# The heap follows the container's memory limit; an OutOfMemoryError ends the process so that it is restarted
# instead of limping on. Replace the whole variable to change them (the Helm chart sets javaToolOptions).
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
# A fixed numeric user, so that runAsNonRoot can verify it. The JVM writes only to /tmp: the root file system
# can be read-only with a writable /tmp.
USER 1000:1000
# 7835: control port (clients); 8080: admin API and actuator. Public ports come from relay.public.port-range
# (RELAY_PUBLIC_PORTRANGE) and are published per deployment.
EXPOSE 7835 8080
ENTRYPOINT ["java", "org.springframework.boot.loader.launch.JarLauncher"]
