#!/usr/bin/env bash
# Reproduces the half-close CPU burn found while profiling (see bench/README.md): a service sends fast and closes
# while the user has paused reading. With the epoll transport Netty keeps reading after EPOLLRDHUP whatever autoRead
# says; CreditLimitedRecvAllocator then sizes each read to max(1, credit) = 1 byte and StreamEndpoint appends every
# read to a 16-component CompositeByteBuf that consolidates (copies everything) again and again: quadratic CPU on the
# event loop, and the stream buffers far more than its window. Prints, per attempt, how long the user waited for the
# rest after its pause and how much CPU the relay client burnt. Healthy: rest_s well under 1 s, CPU ~2-4 s.
#   bench/repro-halfclose.sh [ATTEMPTS]     (default 8; each bounded to 60 s; the first ones also warm the JIT)
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$BENCH")
ATTEMPTS=${1:-8}
W=$(mktemp -d /tmp/relay-halfclose.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; sleep 1; rm -rf "$W"; }
trap cleanup EXIT
for _ in $(seq 1 50); do
  B=$((12000 + RANDOM % 15000))
  ss -Htan | awk -v b=$B '{ n = split($4, a, ":"); p = a[n] + 0; if (p >= b && p < b + 30) f = 1 } END { exit !f }' || break
done
[[ -f $ROOT/relay-server/target/relay-server.jar && -f $ROOT/relay-client/target/relay-client.jar ]] \
  || (cd "$ROOT" && ./mvnw -B -q package -DskipTests)
cp "$ROOT/relay-server/target/relay-server.jar" "$ROOT/relay-client/target/relay-client.jar" "$W/"
python3 "$BENCH/tools/blast_close.py" $B 4 $((ATTEMPTS + 1)) > "$W/blast.log" 2>&1 & PIDS+=($!)
java -jar "$W/relay-server.jar" --server.address=127.0.0.1 --server.port=$((B+1)) --relay.control.port=$((B+2)) \
  --relay.control.bind-address=127.0.0.1 --relay.public.bind-address=127.0.0.1 --relay.public.host=127.0.0.1 \
  --relay.public.port-range=$((B+10))-$((B+20)) --relay.auth.tokens=tok --relay.admin.token=admin-tok > "$W/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q 'relay control server listening' "$W/server.log" && break; sleep 0.2; done
java -jar "$W/relay-client.jar" --server 127.0.0.1:$((B+2)) --token tok --quiet --no-reconnect $B@$((B+10)) > "$W/client.log" 2>&1 &
CLIENT=$!; PIDS+=($CLIENT)
for _ in $(seq 1 300); do grep -q 'tcp://' "$W/client.log" && break; sleep 0.2; done
cpu() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
for i in $(seq 1 "$ATTEMPTS"); do
  c0=$(cpu $CLIENT)
  if ! r=$(timeout 90 python3 "$BENCH/tools/pause_reader.py" $((B+10)) 3 3 60 2>&1); then
    echo "attempt $i: failed: $(echo "$r" | tail -1)"
    echo "the tunnel is gone; what the relay logged:"
    grep -ihE 'heartbeat|timed out|timeout|lost|disconnect|closed' "$W/server.log" "$W/client.log" | grep -v connection-closed | tail -6
    exit 1
  fi
  echo "attempt $i: $r, relay client CPU $(python3 -c "print(($(cpu $CLIENT) - $c0) / $(getconf CLK_TCK))") s"
done
