#!/usr/bin/env bash
# psbox receive against a bare Go sink (bench/receiver: read the body,
# answer 200), the same client (bench/bareclient) posting the same payload
# at the same concurrency, alternating in one run; each round's ratios are
# taken against the bare sink measured just before and after, then their
# median over ROUNDS:
#   psbox receive --quiet          bar: >= 0.9x the bare sink
#   psbox receive > /dev/null      the default output, buffered and coalesced
#   psbox receive on a terminal    (tmux), the default output as a person sees it
#
#   bash bench/receive.sh                 # COUNT=100000 CONC=16 ROUNDS=3
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-100000}
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
# Each round measures the bare sink before and after psbox, and compares
# psbox with their mean: the machine's speed drifts between rounds, so
# ratios are taken within a round, then their median across rounds.
: >"$tmp/ratios"
for r in $(seq "$ROUNDS"); do
  b1=$(bare)
  psbox_start --quiet; q=$(bare "$purl"); psbox_stop
  psbox_start; n=$(bare "$purl"); psbox_stop
  tty_start; t=$(bare "$purl"); tmux -L "$bench_sock" kill-server 2>/dev/null || true
  b2=$(bare)
  echo "round $r: bare sink $b1/s and $b2/s   receive --quiet $q/s   receive >/dev/null $n/s   receive on a terminal $t/s"
  awk -v b1="$b1" -v b2="$b2" -v q="$q" -v n="$n" -v t="$t" 'BEGIN { b = (b1 + b2) / 2; printf "%.3f %.3f %.3f\n", q / b, n / b, t / b }' >>"$tmp/ratios"
done
awk '
  { q[NR] = $1; n[NR] = $2; t[NR] = $3 }
  function med(a, m,   i, j, x) {
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
    return sprintf("%.2fx (%.2f-%.2f)", (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2, a[1], a[m])
  }
  END {
    m = NR; qs = med(q, m); split(qs, first, "x")
    printf "median of the rounds, share of the bare sink: receive --quiet %s, default to /dev/null %s, default on a terminal %s (bar: --quiet >= 0.9x)\n", qs, med(n, m), med(t, m)
    if (first[1] + 0 < 0.9) { print "BELOW the bar"; exit 1 }
  }' "$tmp/ratios"
