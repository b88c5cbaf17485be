#!/usr/bin/env bash
# Runs a relay on this machine: builds the jars if needed, starts the server with its embedded default
# configuration (control port 7835, admin port 8080) and fresh tokens, then a client that exposes a local port
# through it.
#   ./run.sh [TUNNEL...]     e.g. ./run.sh 3000     (default: 3000)
# Ctrl-C stops the client and the server.
set -euo pipefail
cd "$(dirname "$0")"
SERVER_JAR=relay-server/target/relay-server.jar
CLIENT_JAR=relay-client/target/relay-client.jar
if [[ ! -f $SERVER_JAR || ! -f $CLIENT_JAR ]]; then
  ./mvnw -B -q package -DskipTests
fi
token() { head -c 18 /dev/urandom | base64 | tr '+/' '-_'; }
CLIENT_TOKEN=${RELAY_TOKEN:-$(token)}
ADMIN_TOKEN=${RELAY_ADMIN_TOKEN:-$(token)}
java -jar "$SERVER_JAR" --relay.auth.tokens="$CLIENT_TOKEN" --relay.admin.token="$ADMIN_TOKEN" \
  > relay-server.log 2>&1 &
server_pid=$!
trap 'kill $server_pid 2>/dev/null; wait $server_pid 2>/dev/null' EXIT
echo "relay server starting (log: relay-server.log)..." >&2
for _ in $(seq 1 120); do
  if grep -q "relay control server listening" relay-server.log; then break; fi
  if ! kill -0 $server_pid 2>/dev/null; then echo "relay server failed to start:" >&2; tail -20 relay-server.log >&2; exit 1; fi
  sleep 0.5
done
echo "admin API: curl -H 'Authorization: Bearer $ADMIN_TOKEN' localhost:8080/api/tunnels" >&2
RELAY_TOKEN=$CLIENT_TOKEN java -jar "$CLIENT_JAR" --server localhost:7835 "${@:-3000}"
