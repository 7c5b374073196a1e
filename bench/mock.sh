#!/usr/bin/env bash
# Mock API against a bare net/http handler answering the same bytes: list
# and create at 8 and 64 keep-alive clients over loopback. The benchmarks
# run in alternating rounds (all four, then again), so a change in the
# machine's load hits both sides alike; medians and ratios at the end.
# Bar: the mock at least 80% of the bare handler's requests per second.
#
#   bash bench/mock.sh              # ROUNDS=8
#   ROUNDS=12 bash bench/mock.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/mock.test" ./mock
for r in $(seq "$ROUNDS"); do
  "$tmp/mock.test" -test.run '^$' -test.bench 'Server_(List|Create)$|Bare_(List|Create)$' -test.benchtime 1s |
    grep '^Benchmark' | tee -a "$tmp/all.txt" | awk -v r="$r" '{printf "round %s %-36s %8.1f µs/op\n", r, $1, $3/1000}'
done

echo
awk '
  { sub(/^Benchmark/, "", $1); sub(/-[0-9]+$/, "", $1); v[$1] = v[$1] " " $3 }
  END {
    for (k in v) {
      n = split(substr(v[k], 2), a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      med[k] = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    fail = 0
    for (k in med) {
      if (k !~ /^Server_/) continue
      b = k; sub(/^Server_/, "Bare_", b)
      ratio = 100 * med[b] / med[k]
      printf "%-28s mock %7.1f µs/op  bare %7.1f µs/op  mock/bare %5.1f%%%s\n", substr(k, 8), med[k] / 1000, med[b] / 1000, ratio, ratio < 80 ? "  BELOW the bar" : ""
      if (ratio < 80) fail = 1
    }
    exit fail
  }' "$tmp/all.txt"
