#!/usr/bin/env bash
# Side-by-side benchmark of four ways to reach a local service, all on 127.0.0.1 and all in one run:
#   direct (no tunnel), socat2 (two chained socat relays), ssh -R (a private sshd), Relay (the jars as built).
# Workloads: iperf3 bulk (1 and 8 streams, both directions), 64-byte round trips, connect+1-byte echo+close,
# 10,000 held connections with RSS, HTTP 1 KiB responses with wrk, and a WAN case (25 ms each way, through a
# userspace delay proxy) comparing one stream through Relay with the same delay and no Relay. Ends with a JFR
# profile of Relay under bulk load (PROFILE=0 skips it).
#
#   bench/run.sh                  writes bench/results.md (the table), bench/profile.md, and raw logs in bench/out/
#
# Knobs (environment): BULK_SECONDS=5 BULK_ROUNDS=2 LAT_ROUNDS=3 HOLD_CONNS=10000 WAN_DELAY_MS=25 WAN_SECONDS=8 PROFILE=1 REBUILD=0
# Needs root for apt-get (only when a tool is missing) and for a private sshd (it needs /run/sshd).
set -euo pipefail

BENCH=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$BENCH")
OUT=${OUT:-$BENCH/out}
RESULTS=${RESULTS:-$BENCH/results.md}
PROFILE_MD=${PROFILE_MD:-$BENCH/profile.md}
BULK_SECONDS=${BULK_SECONDS:-5}
BULK_ROUNDS=${BULK_ROUNDS:-2}
LAT_ROUNDS=${LAT_ROUNDS:-3}
HOLD_CONNS=${HOLD_CONNS:-10000}
WAN_DELAY_MS=${WAN_DELAY_MS:-25}
WAN_SECONDS=${WAN_SECONDS:-8}
PROFILE=${PROFILE:-1}
REBUILD=${REBUILD:-0}
TOKEN=bench-$RANDOM$RANDOM
H=127.0.0.1
RUN_START=$(date +%s)

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---------------------------------------------------------------- tools from apt
need_tools() {
  local missing=()
  command -v iperf3 >/dev/null || missing+=(iperf3)
  command -v wrk >/dev/null || missing+=(wrk)
  command -v socat >/dev/null || missing+=(socat)
  [[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
  command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  command -v python3 >/dev/null || missing+=(python3)
  command -v jcmd >/dev/null && command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
  ((${#missing[@]} == 0)) && return 0
  log "installing from apt: ${missing[*]}"
  # Debian starts sshd and nginx on install; a temporary policy-rc.d keeps them from starting system-wide.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  ((made_policy)) && rm -f "$policy"
  return 0
}

# ---------------------------------------------------------------- processes (each in its own group)
PIDS=()
start_bg() { # NAME CMD... : runs CMD in a new session, logs to $OUT/logs/NAME.log, records its pid
  local name=$1; shift
  setsid "$@" > "$OUT/logs/$name.log" 2>&1 < /dev/null &
  local pid=$!
  PIDS+=("$pid")
  eval "PID_${name//-/_}=$pid"
}
stop_pid() { # PID : TERM the process group we started, then KILL after a bounded wait
  local pid=$1
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  exec 9>&- 2>/dev/null || true
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do stop_pid "${PIDS[i]}"; done
  [[ -n ${WORK:-} && -d $WORK ]] && rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_log() { # FILE REGEX SECONDS PID : wait until FILE matches REGEX
  local file=$1 re=$2 secs=$3 pid=${4:-}
  for _ in $(seq 1 $((secs * 10))); do
    grep -qE "$re" "$file" 2>/dev/null && return 0
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then log "process of $file died:"; tail -20 "$file" >&2; return 1; fi
    sleep 0.1
  done
  log "timed out waiting for /$re/ in $file"; tail -20 "$file" >&2; return 1
}
wait_port() { # PORT SECONDS
  for _ in $(seq 1 $(($2 * 10))); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.1
  done
  die "nothing listens on $H:$1 after $2 s"
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
tree_pids() { # PID... : the pids and all their descendants
  ps -e -o pid=,ppid= | awk -v roots="$*" '
    { parent[$1] = $2; pids[NR] = $1 }
    END { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1
          changed = 1; while (changed) { changed = 0
            for (i in pids) { p = pids[i]; if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 } } }
          for (p in keep) print p }'
}
rss_tree() { local sum=0 p; for p in $(tree_pids "$@"); do sum=$((sum + $(rss_kib "$p"))); done; echo $sum; }
cpu_ticks_tree() { # PID... : utime+stime of the processes and their descendants, in clock ticks
  local sum=0 p t
  for p in $(tree_pids "$@"); do
    t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)
    sum=$((sum + t))
  done
  echo $sum
}

METRICS=""
metric() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$METRICS"; } # PATH KEY VALUE
jget() { python3 -c 'import json,sys
d=json.loads(sys.argv[1])
for k in sys.argv[2:]:
    d = d[k] if isinstance(d, dict) else d[int(k)]
print(d)' "$@"; }

# ---------------------------------------------------------------- setup
need_tools
# Each process holds at most one socket per held connection (plus a few), so HOLD_CONNS + 1000 descriptors suffice.
ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
(( $(ulimit -n) >= HOLD_CONNS + 1000 )) || log "warning: ulimit -n $(ulimit -n) is low for $HOLD_CONNS held connections"
mkdir -p "$OUT/logs"
rm -f "$OUT"/logs/*.log "$OUT"/*.json "$OUT"/*.jfr "$OUT"/*.txt "$OUT"/*.tsv "$OUT"/*.collapsed 2>/dev/null || true
WORK=$(mktemp -d /tmp/relay-bench.XXXXXX)
METRICS=$OUT/metrics.tsv
: > "$METRICS"
: > "$OUT/metrics-rounds.tsv"

SERVER_JAR=$ROOT/relay-server/target/relay-server.jar
CLIENT_JAR=$ROOT/relay-client/target/relay-client.jar
if [[ $REBUILD == 1 || ! -f $SERVER_JAR || ! -f $CLIENT_JAR ]]; then
  log "building the relay jars"
  (cd "$ROOT" && ./mvnw -B -q package -DskipTests) >&2
fi
# Copies, so that a concurrent rebuild cannot swap a jar under a running benchmark.
cp -p "$SERVER_JAR" "$WORK/relay-server.jar"
cp -p "$CLIENT_JAR" "$WORK/relay-client.jar"
mkdir -p "$WORK/classes"
javac -nowarn -d "$WORK/classes" "$BENCH/tools/BenchTool.java" "$BENCH/tools/JfrSummary.java"
TOOL=(java -Xss256k -XX:+UseSerialGC -Xmx1g -cp "$WORK/classes" BenchTool)

# A block of 200 free ports below the ephemeral range (nothing bound or connected there now).
pick_base() {
  local lo hi
  read -r lo hi < /proc/sys/net/ipv4/ip_local_port_range
  for _ in $(seq 1 50); do
    local base=$((10000 + (RANDOM * 7) % (lo - 10000 - 400)))
    if ! ss -Htan | awk -v b=$base '{ n = split($4, a, ":"); p = a[n] + 0; if (p >= b && p < b + 200) found = 1 } END { exit !found }'; then
      echo $base; return 0
    fi
  done
  die "no free block of 200 ports"
}
B=$(pick_base)
T_IPERF=$((B)); T_ECHO=$((B+1)); T_HTTP=$((B+2)); T_ECHO_HOLD=$((B+3))
SOCAT_FRONT=($((B+10)) $((B+11)) $((B+12))); SOCAT_MID=($((B+13)) $((B+14)) $((B+15)))
SSHD_PORT=$((B+20)); SSH_IPERF=$((B+21)); SSH_ECHO=$((B+22)); SSH_HTTP=$((B+23)); SSH_ECHO_HOLD=$((B+24))
CP=$((B+30)); AP=$((B+31)); CP2=$((B+32)); AP2=$((B+33)); CP3=$((B+34)); AP3=$((B+35))
DP_RELAY=$((B+40)); DP_DIRECT=$((B+41)); DP_ECHO=$((B+42)); DP_RELAY_W=$((B+43))
R_LO=$((B+100)); R_HI=$((B+149)); R2_LO=$((B+150)); R2_HI=$((B+159)); R3_LO=$((B+160)); R3_HI=$((B+169))
RL_IPERF=$((B+100)); RL_ECHO=$((B+101)); RL_HTTP=$((B+102)); RL_WAN=$((B+103)); RL_WAN_ECHO=$((B+104)); RL_HOLD=$((B+150)); RL_WAN_W=$((B+160))
WAN_WIDE_WINDOW=${WAN_WIDE_WINDOW:-8MB}
log "ports from $B; work dir $WORK; results to $RESULTS"

declare -A PORT=(
  [direct,iperf]=$T_IPERF [direct,echo]=$T_ECHO [direct,http]=$T_HTTP [direct,hold]=$T_ECHO_HOLD
  [socat2,iperf]=${SOCAT_FRONT[0]} [socat2,echo]=${SOCAT_FRONT[1]} [socat2,http]=${SOCAT_FRONT[2]}
  [ssh,iperf]=$SSH_IPERF [ssh,echo]=$SSH_ECHO [ssh,http]=$SSH_HTTP [ssh,hold]=$SSH_ECHO_HOLD
  [relay,iperf]=$RL_IPERF [relay,echo]=$RL_ECHO [relay,http]=$RL_HTTP [relay,hold]=$RL_HOLD
)
PATHS=(direct socat2 ssh relay)

# ---------------------------------------------------------------- targets
start_bg iperf-server iperf3 -s -B $H -p $T_IPERF
start_bg echo-server "${TOOL[@]}" echo $T_ECHO $T_ECHO_HOLD
mkdir -p "$WORK/www" "$WORK/nginx"
head -c 1024 /dev/urandom | base64 -w0 | head -c 1024 > "$WORK/www/1k.txt"
cat > "$WORK/nginx/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  sendfile on; tcp_nodelay on;
  keepalive_requests 1000000; keepalive_timeout 60s;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  types { text/plain txt; }
  server { listen $H:$T_HTTP; root $WORK/www; }
}
EOF
start_bg nginx /usr/sbin/nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -e "$WORK/nginx/error.log"

# ---------------------------------------------------------------- socat2: two chained relays per target
for i in 0 1 2; do
  target=$([[ $i == 0 ]] && echo $T_IPERF || { [[ $i == 1 ]] && echo $T_ECHO || echo $T_HTTP; })
  # nodelay on every socket, like Relay's sockets; socat's default 8 KiB buffer is kept.
  start_bg "socat-mid-$i" socat TCP-LISTEN:${SOCAT_MID[i]},bind=$H,fork,reuseaddr,nodelay,backlog=4096 TCP:$H:$target,nodelay
  start_bg "socat-front-$i" socat TCP-LISTEN:${SOCAT_FRONT[i]},bind=$H,fork,reuseaddr,nodelay,backlog=4096 TCP:$H:${SOCAT_MID[i]},nodelay
done

# ---------------------------------------------------------------- ssh -R: a private sshd with its own keys and config
SSHW=$WORK/ssh
mkdir -p "$SSHW" /run/sshd
chmod 700 "$SSHW"
ssh-keygen -q -t ed25519 -N '' -f "$SSHW/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$SSHW/client_key"
cp "$SSHW/client_key.pub" "$SSHW/authorized_keys"
cat > "$SSHW/sshd_config" <<EOF
Port $SSHD_PORT
ListenAddress $H
HostKey $SSHW/host_key
PidFile $SSHW/sshd.pid
AuthorizedKeysFile $SSHW/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
GatewayPorts no
X11Forwarding no
PrintMotd no
PrintLastLog no
UseDNS no
MaxStartups 100
ClientAliveInterval 0
LogLevel ERROR
EOF
/usr/sbin/sshd -t -f "$SSHW/sshd_config" || die "sshd config invalid"
start_bg sshd /usr/sbin/sshd -D -e -f "$SSHW/sshd_config"
wait_port $SSHD_PORT 10
# OpenSSH sets TCP_NODELAY (and IPQoS lowdelay) on its connection only for an interactive session: -tt forces a
# pty and the remote command runs in it, which marks the session interactive on both ends. sshd also sets
# TCP_NODELAY on every socket accepted on a -R forwarded port. There is no TCPNoDelay option to set instead.
mkfifo "$SSHW/stdin"
exec 9<>"$SSHW/stdin"
setsid ssh -F /dev/null -tt -p $SSHD_PORT -i "$SSHW/client_key" -o IdentitiesOnly=yes -o BatchMode=yes \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile="$SSHW/known_hosts" -o ExitOnForwardFailure=yes \
  -o ServerAliveInterval=0 -o IPQoS=lowdelay -o Compression=no \
  -R $H:$SSH_IPERF:$H:$T_IPERF -R $H:$SSH_ECHO:$H:$T_ECHO -R $H:$SSH_HTTP:$H:$T_HTTP \
  -R $H:$SSH_ECHO_HOLD:$H:$T_ECHO_HOLD \
  root@$H 'echo SSH_READY; exec sleep 3600' < "$SSHW/stdin" > "$OUT/logs/ssh-client.log" 2>&1 &
PID_ssh_client=$!
PIDS+=("$PID_ssh_client")
wait_log "$OUT/logs/ssh-client.log" SSH_READY 20 $PID_ssh_client
for p in $SSH_IPERF $SSH_ECHO $SSH_HTTP $SSH_ECHO_HOLD; do wait_port $p 10; done
PID_sshd_session=$(tree_pids "$PID_sshd" | grep -vx "$PID_sshd" | tr '\n' ' ')

# ---------------------------------------------------------------- Relay
RELAY_LIMITS=(--relay.limits.max-connections=1000000 --relay.limits.max-connections-per-tunnel=1000000
  --relay.limits.max-connections-per-ip=1000000 --relay.limits.connect-rate-per-ip=1000000)
start_relay_server() { # NAME CONTROL_PORT ADMIN_PORT RANGE [EXTRA_PROPERTY...]
  local name=$1 cp=$2 ap=$3 range=$4; shift 4
  start_bg "$name" java -jar "$WORK/relay-server.jar" --server.address=$H --server.port=$ap \
    --relay.control.port=$cp --relay.control.bind-address=$H --relay.public.bind-address=$H --relay.public.host=$H \
    --relay.public.port-range=$range --relay.auth.tokens=$TOKEN --relay.admin.token=bench-admin-$TOKEN \
    "${RELAY_LIMITS[@]}" "$@"
}
start_relay_client() { # NAME SERVER_PORT TUNNEL...
  local name=$1 sp=$2; shift 2
  start_bg "$name" java -jar "$WORK/relay-client.jar" --server $H:$sp --token $TOKEN --quiet --no-reconnect "$@"
}
start_relay_server relay-server $CP $AP $R_LO-$R_HI
# A second server for the WAN experiment: the same jar with a wider per-stream window (the window the server
# advertises bounds service -> user data; the client CLI has no option for its own window).
start_relay_server relay-server-wide $CP3 $AP3 $R3_LO-$R3_HI --relay.control.stream-window=$WAN_WIDE_WINDOW
wait_log "$OUT/logs/relay-server.log" "relay control server listening" 120 $PID_relay_server
wait_log "$OUT/logs/relay-server-wide.log" "relay control server listening" 120 $PID_relay_server_wide
start_relay_client relay-client $CP $T_IPERF@$RL_IPERF $T_ECHO@$RL_ECHO $T_HTTP@$RL_HTTP
for p in $RL_IPERF $RL_ECHO $RL_HTTP; do wait_log "$OUT/logs/relay-client.log" "tcp://[^ ]*:$p " 60 $PID_relay_client; done

for path in "${PATHS[@]}"; do
  for t in iperf echo http; do wait_port "${PORT[$path,$t]}" 10; done
done
# One round trip on every path first, so that nothing below measures a cold start.
for path in "${PATHS[@]}"; do
  "${TOOL[@]}" rr "${PORT[$path,echo]}" 64 2000 3 > /dev/null || die "no echo through $path"
  curl -fsS -o /dev/null "http://$H:${PORT[$path,http]}/1k.txt" 2>/dev/null \
    || wrk -t1 -c1 -d1s "http://$H:${PORT[$path,http]}/1k.txt" > /dev/null || die "no HTTP through $path"
done
log "all four paths up: $(grep -o 'tcp://[^ ]*' "$OUT/logs/relay-client.log" | tr '\n' ' ')"
# Relay runs on a JVM: warm its JIT on every workload first, as a long-running server would be (the C programs
# need no warm-up). Nothing here is measured.
log "warming up Relay (JIT), about 25 s"
timeout 30 iperf3 -c $H -p $RL_IPERF -t 4 > /dev/null 2>&1 || true
timeout 30 iperf3 -c $H -p $RL_IPERF -t 3 -R > /dev/null 2>&1 || true
timeout 30 iperf3 -c $H -p $RL_IPERF -t 2 -P 8 > /dev/null 2>&1 || true
"${TOOL[@]}" rr $RL_ECHO 64 20000 2 > /dev/null || true
# Connection set-up runs once per connection: C2 compiles that path only after some 10,000-20,000 of them (a
# 1,000-connection warm-up left the first measured round at 0.6x the rate and 1.75x the CPU of the third).
"${TOOL[@]}" connect $RL_ECHO 20000 12 > /dev/null || true
timeout 20 wrk -t2 -c32 -d2s "http://$H:$RL_HTTP/1k.txt" > /dev/null 2>&1 || true
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- 1. bulk (iperf3)
tunnel_pids() { # PATH : the long-lived processes carrying the tunnel
  case $1 in
    ssh) echo "$PID_ssh_client $PID_sshd" ;;
    relay) echo "$PID_relay_server $PID_relay_client" ;;
    *) echo "" ;;
  esac
}
tunnel_ticks() { # PIDS : CPU ticks of the tunnel processes, 0 for a path without any
  if [[ -n $1 ]]; then cpu_ticks_tree $1; else echo 0; fi
}
iperf_run() { # PORT STREAMS REVERSE(0/1) SECONDS OMIT JSON_OUT : prints Mbit/s received
  local port=$1 streams=$2 rev=$3 secs=$4 omit=$5 json=$6 args=()
  ((rev)) && args+=(-R)
  for attempt in 1 2 3; do
    if timeout $((secs + omit + 20)) iperf3 -c $H -p "$port" -t "$secs" -O "$omit" -P "$streams" "${args[@]}" \
        --connect-timeout 5000 -J > "$json" 2>&1 && python3 -c 'import json,sys; json.load(open(sys.argv[1]))["end"]["sum_received"]' "$json" 2>/dev/null; then
      python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["end"]; print("%.0f %d" % (d["sum_received"]["bits_per_second"]/1e6, d["sum_received"]["bytes"]))' "$json"
      return 0
    fi
    sleep 1 # the server may still be finishing the previous test
  done
  echo "NaN 0"
}
log "bulk: iperf3 ${BULK_SECONDS}s (+1 s omitted) per case, best of $BULK_ROUNDS rounds (path order reversed each round)"
declare -A BEST_MBPS BEST_CPU
for cfg in "1 0" "1 1" "8 0" "8 1"; do
  read -r streams rev <<< "$cfg"
  dir=$([[ $rev == 1 ]] && echo rev || echo fwd)
  for round in $(seq 1 "$BULK_ROUNDS"); do
    order=("${PATHS[@]}")
    ((round % 2 == 0)) && order=(relay ssh socat2 direct)
    for path in "${order[@]}"; do
      pids=$(tunnel_pids $path)
      c0=$(tunnel_ticks "$pids")
      read -r mbps bytes < <(iperf_run "${PORT[$path,iperf]}" "$streams" "$rev" "$BULK_SECONDS" 1 "$OUT/iperf-$path-P$streams-$dir-r$round.json")
      printf '%s\tbulk_P%s_%s_mbps\tround %s\t%s\n' $path $streams $dir $round "$mbps" >> "$OUT/metrics-rounds.tsv"
      cpu=""
      if [[ -n $pids && $bytes -gt 0 ]]; then
        c1=$(cpu_ticks_tree $pids)
        # CPU seconds the tunnel processes spent per GB moved (the omitted first second counts: an upper bound)
        cpu=$(python3 -c "print('%.2f' % ((($c1-$c0)/$(getconf CLK_TCK)) / ($bytes/1e9)))")
      fi
      key="$path,$streams,$dir"
      if [[ $mbps != NaN ]] && python3 -c "import sys; sys.exit(0 if float('$mbps') > float('${BEST_MBPS[$key]:-0}') else 1)"; then
        BEST_MBPS[$key]=$mbps; BEST_CPU[$key]=$cpu
      fi
      log "  bulk P$streams $dir round $round $path: $mbps Mbit/s${cpu:+, tunnel CPU $cpu s/GB}"
    done
  done
  for path in "${PATHS[@]}"; do
    key="$path,$streams,$dir"
    metric $path "bulk_P${streams}_${dir}_mbps" "${BEST_MBPS[$key]:-NaN}"
    [[ -n ${BEST_CPU[$key]:-} ]] && metric $path "bulk_P${streams}_${dir}_cpu_s_per_gb" "${BEST_CPU[$key]}"
  done
done

# ---------------------------------------------------------------- 2. 64-byte round trips, 3. connect+echo+close, 5. HTTP
# Latency, connection rate and HTTP swing by tens of percent between runs on a shared 2-core machine, so each path is
# measured LAT_ROUNDS times, the path order reversed every round, and the table takes each path's median round.
log "round trips (64 B, one connection), connect+1-byte echo+close and HTTP (wrk -t2 -c32 -d5s): $LAT_ROUNDS rounds, median"
tunnel_cpu_us_per_op() { # TICKS_BEFORE PIDS COUNT : the tunnel processes' CPU µs per operation since TICKS_BEFORE
  local c0=$1 pids=$2 n=$3
  if [[ -z $pids || ${n:-0} == 0 ]]; then echo NaN; return; fi
  python3 -c 'import sys; print("%.1f" % ((int(sys.argv[2]) - int(sys.argv[1])) / int(sys.argv[4]) * 1e6 / int(sys.argv[3])))' \
    "$c0" "$(cpu_ticks_tree $pids)" "$n" "$(getconf CLK_TCK)"
}
lat_round() { # ROUND PATH : one round of the three workloads on one path, into metrics-rounds.tsv
  local round=$1 path=$2 r url rps p99 errs pids c0 cpu
  pids=$(tunnel_pids $path)
  c0=$(tunnel_ticks "$pids")
  r=$("${TOOL[@]}" rr "${PORT[$path,echo]}" 64 30000 4)
  cpu=$(tunnel_cpu_us_per_op $c0 "$pids" "$(jget "$r" n)")
  printf '%s\t%s\tround %s\t%s\n' $path rr_cpu_us $round "$cpu" >> "$OUT/metrics-rounds.tsv"
  printf '%s	%s	round %s	%s
' $path rr_p50_us $round "$(jget "$r" p50_us)" >> "$OUT/metrics-rounds.tsv"
  printf '%s	%s	round %s	%s
' $path rr_p99_us $round "$(jget "$r" p99_us)" >> "$OUT/metrics-rounds.tsv"
  log "  round $round rr $path: $r"
  c0=$(tunnel_ticks "$pids")
  r=$("${TOOL[@]}" connect "${PORT[$path,echo]}" 4000 4)
  cpu=$(tunnel_cpu_us_per_op $c0 "$pids" "$(jget "$r" n)")
  printf '%s\t%s\tround %s\t%s\n' $path conn_cpu_us $round "$cpu" >> "$OUT/metrics-rounds.tsv"
  printf '%s	%s	round %s	%s
' $path conn_per_s $round "$(jget "$r" conn_per_s)" >> "$OUT/metrics-rounds.tsv"
  printf '%s	%s	round %s	%s
' $path conn_p99_us $round "$(jget "$r" p99_us)" >> "$OUT/metrics-rounds.tsv"
  printf '%s	%s	round %s	%s
' $path conn_errors $round "$(jget "$r" errors)" >> "$OUT/metrics-rounds.tsv"
  log "  round $round connect $path: $r"
  url="http://$H:${PORT[$path,http]}/1k.txt"
  timeout 20 wrk -t2 -c32 -d1s "$url" > /dev/null 2>&1 || true
  c0=$(tunnel_ticks "$pids")
  timeout 30 wrk -t2 -c32 -d5s --latency "$url" > "$OUT/wrk-$path-r$round.txt" 2>&1 || true
  cpu=$(tunnel_cpu_us_per_op $c0 "$pids" "$(awk '/requests in/ {print $1}' "$OUT/wrk-$path-r$round.txt")")
  printf '%s\t%s\tround %s\t%s\n' $path http_cpu_us $round "$cpu" >> "$OUT/metrics-rounds.tsv"
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$OUT/wrk-$path-r$round.txt")
  p99=$(awk '$1 == "99%" { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } print v }' "$OUT/wrk-$path-r$round.txt")
  errs=$(awk '/Socket errors|Non-2xx/ {print}' "$OUT/wrk-$path-r$round.txt" | tr '\n' ' ')
  printf '%s	%s	round %s	%s
' $path http_rps $round "${rps:-NaN}" >> "$OUT/metrics-rounds.tsv"
  printf '%s	%s	round %s	%s
' $path http_p99_ms $round "${p99:-NaN}" >> "$OUT/metrics-rounds.tsv"
  log "  round $round http $path: ${rps:-?} req/s, p99 ${p99:-?} ms ${errs}"
}
for round in $(seq 1 "$LAT_ROUNDS"); do
  order=("${PATHS[@]}")
  ((round % 2 == 0)) && order=(relay ssh socat2 direct)
  for path in "${order[@]}"; do lat_round "$round" "$path"; done
done
for path in "${PATHS[@]}"; do
  for key in rr_p50_us rr_p99_us rr_cpu_us conn_per_s conn_p99_us conn_cpu_us conn_errors http_rps http_p99_ms http_cpu_us; do
    metric $path $key "$(python3 -c 'import statistics, sys
v = [float(f[3]) for f in (l.rstrip("\n").split("\t") for l in open(sys.argv[1]))
     if f[0] == sys.argv[2] and f[1] == sys.argv[3] and f[3] != "NaN"]
print(statistics.median(v) if v else "NaN")' "$OUT/metrics-rounds.tsv" $path $key)"
  done
done

# ---------------------------------------------------------------- WAN: 25 ms each way, Relay vs no relay
WAN_WINDOW=$(awk '{print $3}' /proc/sys/net/ipv4/tcp_wmem)
log "WAN: ${WAN_DELAY_MS} ms each way through a delay proxy (window $WAN_WINDOW B), iperf3 1 stream ${WAN_SECONDS}s"
start_bg delay-relay python3 "$BENCH/tools/delay_proxy.py" $DP_RELAY $CP "$WAN_DELAY_MS" "$WAN_WINDOW" 600
start_bg delay-direct python3 "$BENCH/tools/delay_proxy.py" $DP_DIRECT $T_IPERF "$WAN_DELAY_MS" "$WAN_WINDOW" 600
start_bg delay-echo python3 "$BENCH/tools/delay_proxy.py" $DP_ECHO $T_ECHO "$WAN_DELAY_MS" "$WAN_WINDOW" 600
wait_port $DP_RELAY 10; wait_port $DP_DIRECT 10; wait_port $DP_ECHO 10
start_relay_client relay-client-wan $DP_RELAY $T_IPERF@$RL_WAN $T_ECHO@$RL_WAN_ECHO
for p in $RL_WAN $RL_WAN_ECHO; do wait_log "$OUT/logs/relay-client-wan.log" "tcp://[^ ]*:$p " 60 $PID_relay_client_wan; done
for path in direct relay; do
  port=$([[ $path == direct ]] && echo $DP_ECHO || echo $RL_WAN_ECHO)
  r=$("${TOOL[@]}" rr $port 64 40 5 || echo '{"p50_us":NaN}')
  metric $path wan_rr_p50_ms "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["p50_us"]/1000)' "$r")"
done
for rev in 0 1; do
  dir=$([[ $rev == 1 ]] && echo rev || echo fwd)
  read -r mbps _ < <(iperf_run $DP_DIRECT 1 $rev "$WAN_SECONDS" 2 "$OUT/iperf-wan-direct-$dir.json")
  metric direct "wan_P1_${dir}_mbps" "$mbps"; log "  wan $dir no relay: $mbps Mbit/s"
  [[ $dir == rev ]] && metric direct wan_P1_rev_wide_mbps "$mbps" # the same baseline for the experiment below
  read -r mbps _ < <(iperf_run $RL_WAN 1 $rev "$WAN_SECONDS" 2 "$OUT/iperf-wan-relay-$dir.json")
  metric relay "wan_P1_${dir}_mbps" "$mbps"; log "  wan $dir relay: $mbps Mbit/s"
done
stop_pid $PID_relay_client_wan; stop_pid $PID_delay_relay
# The experiment: the same path with relay.control.stream-window=$WAN_WIDE_WINDOW (service -> user only).
start_bg delay-relay-wide python3 "$BENCH/tools/delay_proxy.py" $DP_RELAY_W $CP3 "$WAN_DELAY_MS" "$WAN_WINDOW" 600
wait_port $DP_RELAY_W 10
start_relay_client relay-client-wide $DP_RELAY_W $T_IPERF@$RL_WAN_W
if wait_log "$OUT/logs/relay-client-wide.log" "tcp://[^ ]*:$RL_WAN_W " 60 $PID_relay_client_wide; then
  read -r mbps _ < <(iperf_run $RL_WAN_W 1 1 "$WAN_SECONDS" 2 "$OUT/iperf-wan-relay-wide-rev.json")
  metric relay wan_P1_rev_wide_mbps "$mbps"; log "  wan rev relay, stream-window $WAN_WIDE_WINDOW: $mbps Mbit/s"
fi
stop_pid $PID_relay_client_wide; stop_pid $PID_delay_relay_wide; stop_pid $PID_relay_server_wide
stop_pid $PID_delay_direct; stop_pid $PID_delay_echo

# ---------------------------------------------------------------- 4. many held connections (RSS)
hold_run() { # PATH PORT PIDS... : opens HOLD_CONNS connections, pings them, samples RSS of PIDS while held
  local path=$1 port=$2; shift 2
  local pids="$*" idle=0 held=0 rel="$WORK/release-$path" hlog="$OUT/logs/hold-$path.log" limit=${HOLD_TIMEOUT:-90}
  rm -f "$rel"
  [[ -n $pids ]] && idle=$(rss_tree $pids)
  # Opening and pinging are bounded by $limit s together (ssh -R needs minutes for 10,000 channels).
  setsid "${TOOL[@]}" hold "$port" "$HOLD_CONNS" "$limit" "$rel" > "$hlog" 2>&1 &
  local hp=$!
  PIDS+=("$hp")
  if ! wait_log "$hlog" '^HELD ' $((limit + 30)) $hp; then metric $path hold_answered 0; stop_pid $hp; return 0; fi
  sleep 2
  [[ -n $pids ]] && held=$(rss_tree $pids)
  local j; j=$(grep '^HELD ' "$hlog" | cut -d' ' -f2-)
  metric $path hold_answered "$(jget "$j" answered)"
  metric $path hold_connect_s "$(jget "$j" connect_s)"
  if [[ -n $pids ]]; then
    metric $path hold_rss_idle_mib "$(python3 -c "print('%.1f' % ($idle/1024))")"
    metric $path hold_rss_held_mib "$(python3 -c "print('%.1f' % ($held/1024))")"
    metric $path hold_kib_per_conn "$(python3 -c "print('%.1f' % (($held-$idle)/max(1,$(jget "$j" answered))))")"
  fi
  if [[ $path == relay ]]; then
    for p in $pids; do jcmd "$p" GC.class_histogram > "$OUT/hold-histogram-$p.txt" 2>&1 || true; done
  fi
  log "  hold $path: $j; RSS idle ${idle} KiB, held ${held} KiB"
  touch "$rel"
  for _ in $(seq 1 100); do kill -0 $hp 2>/dev/null || break; sleep 0.1; done
  stop_pid $hp
}
log "hold: $HOLD_CONNS connections at once, each answering a ping (socat2 skipped: it forks two processes per connection)"
hold_run direct $T_ECHO_HOLD
hold_run ssh $SSH_ECHO_HOLD $PID_ssh_client $PID_sshd
# A fresh Relay pair, so that the bulk runs' pooled buffers are not part of its idle RSS.
start_relay_server relay-server-hold $CP2 $AP2 $R2_LO-$R2_HI
wait_log "$OUT/logs/relay-server-hold.log" "relay control server listening" 120 $PID_relay_server_hold
start_relay_client relay-client-hold $CP2 $T_ECHO_HOLD@$RL_HOLD
wait_log "$OUT/logs/relay-client-hold.log" "tcp://[^ ]*:$RL_HOLD " 60 $PID_relay_client_hold
"${TOOL[@]}" rr $RL_HOLD 64 200 2 > /dev/null
sleep 3
hold_run relay $RL_HOLD $PID_relay_server_hold $PID_relay_client_hold
metric relay hold_server_rss_held_mib "$(python3 -c "print('%.1f' % ($(rss_kib $PID_relay_server_hold)/1024))")"
stop_pid $PID_relay_client_hold; stop_pid $PID_relay_server_hold
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------- profile Relay under bulk load (JFR)
if [[ $PROFILE == 1 ]]; then
  # async-profiler (CPU, with kernel frames) comes from Maven Central; JFR (allocations, GC) is in the JDK.
  AP_VERSION=4.2
  AP_JAR=$HOME/.m2/repository/tools/profiler/async-profiler/$AP_VERSION/async-profiler-$AP_VERSION.jar
  [[ -f $AP_JAR ]] || (cd "$ROOT" && ./mvnw -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$AP_VERSION) >&2 || true
  AP_LIB=""
  if [[ -f $AP_JAR ]]; then
    AP_LIB=$WORK/libasyncProfiler.so
    python3 -c 'import sys, zipfile; open(sys.argv[3], "wb").write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
      "$AP_JAR" "linux-$([[ $(uname -m) == aarch64 ]] && echo arm64 || echo x64)/libasyncProfiler.so" "$AP_LIB" || AP_LIB=""
  fi
  log "profile: JFR settings=profile${AP_LIB:+ and async-profiler cpu} on the Relay server and client, iperf3 1 stream fwd + rev"
  for p in server client; do
    pid_var=PID_relay_$p
    jcmd "${!pid_var}" JFR.start name=bench settings=profile filename="$OUT/relay-$p.jfr" > /dev/null
  done
  # Starting JFR makes HotSpot recompile for seconds; let that settle before the CPU profile starts.
  timeout 30 iperf3 -c $H -p $RL_IPERF -t 5 > /dev/null 2>&1 || true
  for p in server client; do
    pid_var=PID_relay_$p
    # The option string is quoted again: jcmd would otherwise read "start,event" as an option name.
    [[ -n $AP_LIB ]] && { jcmd "${!pid_var}" JVMTI.agent_load "$AP_LIB" "\"start,event=cpu,interval=1ms,threads\"" > /dev/null || AP_LIB=""; }
  done
  iperf_run $RL_IPERF 1 0 8 0 "$OUT/iperf-profile-fwd.json" > /dev/null
  iperf_run $RL_IPERF 1 1 8 0 "$OUT/iperf-profile-rev.json" > /dev/null
  for p in server client; do
    pid_var=PID_relay_$p
    [[ -n $AP_LIB ]] && jcmd "${!pid_var}" JVMTI.agent_load "$AP_LIB" "\"stop,file=$OUT/relay-$p.collapsed,collapsed\"" > /dev/null
    jcmd "${!pid_var}" JFR.stop name=bench > /dev/null
  done
  {
    if [[ -n $AP_LIB && -s $OUT/relay-server.collapsed ]]; then
      python3 "$BENCH/tools/collapsed_summary.py" "$OUT/relay-server.collapsed" "$OUT/relay-client.collapsed"
    fi
    java -cp "$WORK/classes" JfrSummary "$OUT/relay-server.jfr" "$OUT/relay-client.jfr"
  } > "$PROFILE_MD" || log "warning: profile summary failed"
fi

# ---------------------------------------------------------------- report
{
  echo "cpu	$(lscpu | awk -F: '/Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
  echo "cores	$(nproc)"
  echo "memory	$(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "os	Debian $(cat /etc/debian_version), kernel $(uname -r)"
  echo "java	$(java -version 2>&1 | head -1)"
  echo "iperf3	$(iperf3 --version | head -1)"
  echo "wrk	$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "socat	$(socat -V | awk '/socat version/ {print $3}')"
  echo "ssh	$(ssh -V 2>&1)"
  echo "nginx	$(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2)"
  echo "python	$(python3 --version)"
  echo "relay jars	relay-server.jar built $(date -r "$WORK/relay-server.jar" '+%F %T') sha256 $(sha256sum "$WORK/relay-server.jar" | cut -c1-12), relay-client.jar sha256 $(sha256sum "$WORK/relay-client.jar" | cut -c1-12)"
  echo "ssh cipher	$(grep -m1 -o 'cipher: [^ ]*' "$OUT/logs/ssh-client.log" 2>/dev/null || ssh -G -F /dev/null localhost 2>/dev/null | awk '/^ciphers/ {split($2, c, ","); print c[1]}')"
  echo "load	load average at start $LOAD_START, before profiling $LOAD_END"
  echo "duration	$(( $(date +%s) - RUN_START )) s"
  echo "settings	Relay JIT warmed up first; bulk ${BULK_SECONDS}s per case, best of ${BULK_ROUNDS}; round trips, connect and HTTP median of ${LAT_ROUNDS} rounds; WAN ${WAN_DELAY_MS} ms each way, proxy window ${WAN_WINDOW} B, ${WAN_SECONDS}s, experiment stream-window ${WAN_WIDE_WINDOW}; hold ${HOLD_CONNS} connections, opened and pinged within ${HOLD_TIMEOUT:-90} s"
} > "$OUT/info.tsv"
python3 "$BENCH/tools/report.py" "$METRICS" "$OUT/info.tsv" > "$RESULTS"
log "done in $(( $(date +%s) - RUN_START )) s: $RESULTS"
cat "$RESULTS"
