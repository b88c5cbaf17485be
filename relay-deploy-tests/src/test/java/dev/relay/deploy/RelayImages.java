package dev.relay.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.testcontainers.images.builder.ImageFromDockerfile;

/** Images built from the repository's Dockerfile, for Testcontainers. */
final class RelayImages {
    private RelayImages() {
    }

    /**
     * The image of a Dockerfile target ({@code server} or {@code client}). The build context holds what
     * .dockerignore lets in: the Maven wrapper, the poms and each module's src/main.
     *
     * <p>Testcontainers builds through the Docker Engine API's classic builder, which rejects BuildKit's
     * {@code RUN --mount} (testcontainers-java#2857). The Dockerfile is therefore sent without its cache mounts:
     * the same steps, only without the Maven cache between builds.
     */
    static ImageFromDockerfile build(String target) {
        Path root = HelmChart.repositoryRoot();
        ImageFromDockerfile image = new ImageFromDockerfile("relay-" + target + "-deploy-test", true)
                .withFileFromString("Dockerfile", withoutBuildKitMounts(read(root.resolve("Dockerfile"))))
                .withTarget(target);
        image.withFileFromPath(".mvn", root.resolve(".mvn"));
        image.withFileFromPath("mvnw", root.resolve("mvnw"));
        image.withFileFromPath("pom.xml", root.resolve("pom.xml"));
        for (Path module : modules(root)) {
            String name = module.getFileName().toString();
            image.withFileFromPath(name + "/pom.xml", module.resolve("pom.xml"));
            if (Files.isDirectory(module.resolve("src/main"))) {
                image.withFileFromPath(name + "/src/main", module.resolve("src/main"));
            }
        }
        return image;
    }

    static String withoutBuildKitMounts(String dockerfile) {
        return dockerfile.replaceAll("(?m)^# syntax=.*\\R", "").replaceAll("--mount=\\S+\\s+", "");
    }

    private static List<Path> modules(Path root) {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(p -> p.getFileName().toString().startsWith("relay-"))
                    .filter(p -> Files.isRegularFile(p.resolve("pom.xml"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
