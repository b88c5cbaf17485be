#!/usr/bin/env bash
# Two builds of Relay side by side in one run, for "what did this change buy": each git revision is built in a
# worktree, both run at once (a server and a client each) on 127.0.0.1 next to the same echo server and nginx, and
# the workloads alternate between them round after round (order reversed every round), with direct as the floor.
#
#   bench/ab.sh REV_A REV_B [ROUNDS]     e.g. bench/ab.sh HEAD~3 HEAD 6   (MVN_FLAGS=-o builds offline)
#
# Prints one line per path and round, then the medians and B ÷ A. Workloads: 64 B round trips (p50/p99),
# sequential connect + 1 B echo + close (conn/s), HTTP 1 KiB with wrk -t2 -c32 (req/s), and the CPU seconds the
# relay server and client used per 1,000 connections. Needs wrk and nginx (bench/run.sh installs them).
set -euo pipefail
BENCH=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$BENCH")
REV_A=${1:?usage: bench/ab.sh REV_A REV_B [ROUNDS]}; REV_B=${2:?usage: bench/ab.sh REV_A REV_B [ROUNDS]}
ROUNDS=${3:-6}
H=127.0.0.1
W=$(mktemp -d /tmp/relay-ab.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for n in a b; do git -C "$ROOT" worktree remove --force "$W/src-$n" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

for n in a b; do
  rev=$([[ $n == a ]] && echo "$REV_A" || echo "$REV_B")
  log "building $n = $rev ($(git -C "$ROOT" rev-parse --short "$rev"))"
  git -C "$ROOT" worktree add -q --detach "$W/src-$n" "$rev"
  (cd "$W/src-$n" && ./mvnw -B -q ${MVN_FLAGS:-} package -DskipTests -pl relay-server,relay-client -am) >&2
  mkdir -p "$W/$n"
  cp "$W/src-$n/relay-server/target/relay-server.jar" "$W/src-$n/relay-client/target/relay-client.jar" "$W/$n/"
done

mkdir -p "$W/classes" "$W/www" "$W/nginx"
javac -nowarn -d "$W/classes" "$BENCH/tools/BenchTool.java"
TOOL=(java -Xss256k -XX:+UseSerialGC -Xmx1g -cp "$W/classes" BenchTool)
B=$((12000 + RANDOM % 8000)); ECHO=$B; HTTP=$((B + 1))
"${TOOL[@]}" echo $ECHO > "$W/echo.log" 2>&1 & PIDS+=($!)
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$W/www/1k.txt"
cat > "$W/nginx/nginx.conf" <<EOC
$( ((EUID == 0)) && echo "user root;" )
worker_processes 1;
daemon off;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nodelay on; keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path $W/nginx/body; proxy_temp_path $W/nginx/proxy; fastcgi_temp_path $W/nginx/fastcgi;
  uwsgi_temp_path $W/nginx/uwsgi; scgi_temp_path $W/nginx/scgi;
  types { text/plain txt; }
  server { listen $H:$HTTP; root $W/www; }
}
EOC
/usr/sbin/nginx -p "$W/nginx" -c "$W/nginx/nginx.conf" -e "$W/nginx/error.log" > "$W/nginx/out.log" 2>&1 &
PIDS+=($!)

declare -A RP HP SPID CPID
start_relay() { # NAME CONTROL ADMIN PUBLIC
  local n=$1 cp=$2 ap=$3 rp=$4
  java -jar "$W/$n/relay-server.jar" --server.address=$H --server.port=$ap --relay.control.port=$cp \
    --relay.control.bind-address=$H --relay.public.bind-address=$H --relay.public.host=$H \
    --relay.public.port-range=$rp-$((rp + 5)) --relay.auth.tokens=ab-token --relay.admin.token=ab-admin-token-0123456789 \
    --relay.limits.max-connections=1000000 --relay.limits.max-connections-per-tunnel=1000000 \
    --relay.limits.max-connections-per-ip=1000000 --relay.limits.connect-rate-per-ip=1000000 > "$W/$n/server.log" 2>&1 &
  SPID[$n]=$!; PIDS+=($!)
  for _ in $(seq 1 600); do grep -q "relay control server listening" "$W/$n/server.log" && break; sleep 0.1; done
  java -jar "$W/$n/relay-client.jar" --server $H:$cp --token ab-token --quiet --no-reconnect \
    $ECHO@$rp $HTTP@$((rp + 1)) > "$W/$n/client.log" 2>&1 &
  CPID[$n]=$!; PIDS+=($!)
  for _ in $(seq 1 600); do ss -Hltn "sport = :$((rp + 1))" | grep -q . && break; sleep 0.1; done
  RP[$n]=$rp; HP[$n]=$((rp + 1))
}
start_relay a $((B + 10)) $((B + 11)) $((B + 20))
start_relay b $((B + 12)) $((B + 13)) $((B + 30))
RP[direct]=$ECHO; HP[direct]=$HTTP

cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
log "warming up both builds (JIT)"
for n in a b; do
  # Connection set-up runs once per connection: C2 compiles it after some 10,000-20,000 connections.
  "${TOOL[@]}" connect ${RP[$n]} 20000 20 > /dev/null
  for _ in 1 2; do
    "${TOOL[@]}" rr ${RP[$n]} 64 20000 3 > /dev/null
    wrk -t2 -c32 -d3s "http://$H:${HP[$n]}/1k.txt" > /dev/null
  done
done

OUT=$W/rounds.tsv
for r in $(seq 1 "$ROUNDS"); do
  order="direct a b"; ((r % 2 == 0)) && order="b a direct"
  for p in $order; do
    rr=$("${TOOL[@]}" rr ${RP[$p]} 64 20000 3)
    t0=0; [[ $p != direct ]] && t0=$(( $(cpu_ticks ${SPID[$p]}) + $(cpu_ticks ${CPID[$p]}) ))
    con=$("${TOOL[@]}" connect ${RP[$p]} 100000 4)
    t1=0; [[ $p != direct ]] && t1=$(( $(cpu_ticks ${SPID[$p]}) + $(cpu_ticks ${CPID[$p]}) ))
    http=$(wrk -t2 -c32 -d4s "http://$H:${HP[$p]}/1k.txt" | awk '/Requests\/sec/ {print $2}')
    python3 - "$r" "$p" "$rr" "$con" "$http" "$((t1 - t0))" "$(getconf CLK_TCK)" >> "$OUT" <<'PY'
import json, sys
r, p, rr, con, http, ticks, hz = sys.argv[1:]
rr, con = json.loads(rr), json.loads(con)
cpu = (int(ticks) / int(hz)) / max(con["n"], 1) * 1000 if p != "direct" else float("nan")
print(r, p, rr["p50_us"], rr["p99_us"], con["conn_per_s"], http, round(cpu, 3), sep="\t")
PY
    tail -1 "$OUT" | awk -F'\t' '{ printf "round %s %-6s rr p50 %6s µs p99 %6s µs | connect %7s/s | http %9s req/s | relay CPU %s s per 1k conns\n", $1, $2, $3, $4, $5, $6, $7 }'
  done
done

python3 - "$OUT" "$REV_A" "$REV_B" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
cols = [("64 B round trip p50 (µs)", 2), ("64 B round trip p99 (µs)", 3), ("connect + echo + close (conn/s)", 4),
        ("HTTP 1 KiB (req/s)", 5), ("relay CPU per 1,000 connections (s)", 6)]
med = {p: {c: statistics.median(float(r[i]) for r in rows if r[1] == p) for c, i in cols} for p in ("direct", "a", "b")}
print(f"\nmedians of {len({r[0] for r in rows})} rounds; a = {sys.argv[2]}, b = {sys.argv[3]}\n")
print("| workload | direct | a | b | b ÷ a |\n|---|--:|--:|--:|--:|")
for c, _ in cols:
    d, a, b = med["direct"][c], med["a"][c], med["b"][c]
    fmt = (lambda v: f"{v:,.2f}") if a < 10 else (lambda v: f"{v:,.1f}")
    print(f"| {c} | {'–' if d != d else fmt(d)} | {fmt(a)} | {fmt(b)} | {b / a:.2f}× |")
PY
