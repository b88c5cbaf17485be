/** Tests of what ships: the Helm chart (rendered by real Helm) and the Dockerfile (built and run by Testcontainers). */
package dev.relay.deploy;
