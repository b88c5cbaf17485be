#!/usr/bin/env bash
# Runs a relay on this machine: builds the jars if needed, starts the server with its embedded default
# configuration (control port 7835, admin port 8080), then a client that exposes a local port through it.
#   ./run.sh [TUNNEL...]     e.g. ./run.sh 3000     (default: 3000)
# Ctrl-C stops the client and the server.
set -euo pipefail
cd "$(dirname "$0")"
SERVER_JAR=relay-server/target/relay-server.jar
CLIENT_JAR=relay-client/target/relay-client.jar
if [[ ! -f $SERVER_JAR || ! -f $CLIENT_JAR ]]; then
  ./mvnw -B -q package -DskipTests
fi
java -jar "$SERVER_JAR" > relay-server.log 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null' EXIT
echo "relay server starting (log: relay-server.log)..." >&2
for _ in $(seq 1 120); do
  if (exec 3<>/dev/tcp/127.0.0.1/7835) 2>/dev/null; then break; fi
  if ! kill -0 $server_pid 2>/dev/null; then echo "relay server failed to start:" >&2; tail -20 relay-server.log >&2; exit 1; fi
  sleep 0.5
done
grep -m1 "generated admin token" relay-server.log >&2 || true
java -jar "$CLIENT_JAR" --server localhost:7835 "${@:-3000}"
