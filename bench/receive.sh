#!/usr/bin/env bash
# psbox receive against a bare Go sink (bench/receiver: read the body,
# answer 200), the same client (bench/bareclient) posting the same payload
# at the same concurrency, alternating in one run, medians of ROUNDS:
#   psbox receive --quiet          bar: >= 0.9x the bare sink
#   psbox receive > /dev/null      the default output, buffered and coalesced
#   psbox receive on a terminal    (tmux), the default output as a person sees it
#
#   bash bench/receive.sh                 # COUNT=20000 CONC=16 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
CONC=${CONC:-16}
ROUNDS=${ROUNDS:-3}

. bench/lib.sh
start_bench

# listening FILE: waits for psbox receive's "listening on" line in FILE and
# sets purl to its URL.
listening() {
  for _ in $(seq 100); do grep -q "listening on" "$1" 2>/dev/null && break; sleep 0.05; done
  purl=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$1" | head -1)
}

# psbox_start ARGS...: starts psbox receive with ARGS (stdout to /dev/null)
# and sets purl.
psbox_start() {
  "$tmp/psbox" receive --addr 127.0.0.1:0 "$@" >/dev/null 2>"$tmp/recv.err" &
  bench_pid=$!
  listening "$tmp/recv.err"
}
psbox_stop() { bench_stop "$bench_pid"; bench_pid=""; }

tty_start() {
  tmux -L "$bench_sock" new-session -d -x 160 -y 50 "$tmp/psbox receive --addr 127.0.0.1:0 2>$tmp/tty.err; sleep 30"
  listening "$tmp/tty.err"
}

echo "$COUNT posts of application_created at concurrency $CONC, $ROUNDS rounds"
: >"$tmp/bare"; : >"$tmp/quiet"; : >"$tmp/null"; : >"$tmp/tty"
for r in $(seq "$ROUNDS"); do
  b=$(bare)
  psbox_start --quiet; q=$(bare "$purl"); psbox_stop
  psbox_start; n=$(bare "$purl"); psbox_stop
  tty_start; t=$(bare "$purl"); tmux -L "$bench_sock" kill-server 2>/dev/null || true
  echo "round $r: bare sink $b/s   receive --quiet $q/s   receive >/dev/null $n/s   receive on a terminal $t/s"
  echo "$b" >>"$tmp/bare"; echo "$q" >>"$tmp/quiet"; echo "$n" >>"$tmp/null"; echo "$t" >>"$tmp/tty"
done
b=$(median <"$tmp/bare"); q=$(median <"$tmp/quiet"); n=$(median <"$tmp/null"); t=$(median <"$tmp/tty")
awk -v b="$b" -v q="$q" -v n="$n" -v t="$t" 'BEGIN {
  printf "median: bare sink %d/s; psbox receive: --quiet %.2fx, default to /dev/null %.2fx, default on a terminal %.2fx of it (bar: --quiet >= 0.9x)\n", b, q/b, n/b, t/b
  if (q < 0.9*b) { print "BELOW the bar"; exit 1 }
}'
