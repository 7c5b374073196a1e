#!/usr/bin/env bash
# The four speed bars (DESIGN.md "Speed"), measured for a base revision and
# the current checkout in one run, alternating rounds so that the machine's
# load hits both alike; medians with the spread (min-max) at the end:
#
#   mock list and create, share of a bare net/http handler   (bar >= 80%)
#   trigger with recording on, share of the bare client      (bar >= 90%)
#   durable append (group commit, fsync), exchanges/s         (bar >= 20,000/s)
#   loading 100k exchanges' summaries, seconds                (bar < 1 s)
#
#   bash bench/bars.sh e32e397             # ROUNDS=5 COUNT=100000 CONC=16
#   ROUNDS=3 bash bench/bars.sh main
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash bench/bars.sh BASE_REVISION (a commit, tag or branch to compare the checkout with)" >&2; exit 2; }
cd "$(dirname "$0")/.."
git rev-parse --verify -q "$1^{commit}" >/dev/null || { echo "bench/bars.sh: $1 is not a commit of this repository; give a commit, tag or branch" >&2; exit 2; }

ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-100000}
CONC=${CONC:-16}

. bench/lib.sh
start_receiver
mkdir -p "$tmp/base/src" "$tmp/head"
git archive "$1" | tar -x -C "$tmp/base/src"
echo "building $1 and the checkout"
for side in base head; do
  src=.; [ "$side" = base ] && src="$tmp/base/src"
  (cd "$src" && go build -o "$tmp/$side/psbox" . &&
    go test -c -o "$tmp/$side/mock.test" ./mock &&
    go test -c -o "$tmp/$side/recorder.test" ./recorder)
done
"$tmp/head/psbox" events show application_created --seed 1 >"$tmp/body.json"

# bench SIDE: one round of every measurement of SIDE, as "name value" lines.
bench() {
  local d="$tmp/$1"
  "$d/mock.test" -test.run '^$' -test.bench 'Server_(List|Create)$|Bare_(List|Create)$' -test.benchtime 1s |
    awk '/^Benchmark/ { n = $1; sub(/^Benchmark/, "", n); sub(/-[0-9]+$/, "", n); print n, $3 }' >"$tmp/m"
  awk '{ v[$1] = $2 } END {
    for (k in v) if (k ~ /^Server_/) { b = k; sub(/^Server_/, "Bare_", b); n = substr(k, 8); sub(/\/clients=/, "", n); printf "%s %.1f\n", tolower(n), 100 * v[b] / v[k] }
  }' "$tmp/m" | sort
  (cd "$d" && ./recorder.test -test.run '^$' -test.bench 'Store_(Append|Load100k)$' -test.benchtime 1s) |
    awk '/^BenchmarkStore_Append/ { for (i = 1; i < NF; i++) if ($(i+1) == "exchanges/s") printf "append %d\n", $i }
         /^BenchmarkStore_Load100k/ { printf "load100k %.3f\n", $3 / 1e9 }'
  local x x2 y
  x=$(bare)
  rm -rf "$tmp/state"
  y=$("$d/psbox" --state "$tmp/state" trigger application_created --to "$url" --seed 1 --count "$COUNT" --concurrency "$CONC" 2>&1 | rate)
  x2=$(bare) # the bare client before and after: the machine drifts
  awk -v x="$x" -v x2="$x2" -v y="$y" 'BEGIN { printf "trigger %.1f\n", 200 * y / (x + x2) }'
}

: >"$tmp/all"
for r in $(seq "$ROUNDS"); do
  for side in base head; do
    bench "$side" >"$tmp/round"
    sed "s/^/$side /" "$tmp/round" >>"$tmp/all"
    echo "round $r $side: $(tr '\n' ' ' <"$tmp/round")"
  done
done

echo
echo "medians of $ROUNDS rounds (min-max); base $1, head the checkout"
awk '
  { k = $1 " " $2; v[k] = v[k] " " $3; names[$2] = 1 }
  function stat(s,   a, n, i, j, t) {
    n = split(substr(s, 2), a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return sprintf("%s (%s-%s)", (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2, a[1], a[n])
  }
  END {
    split("list8 list64 create8 create64 trigger append load100k", order, " ")
    split("mock list, 8 clients, % of bare (>= 80)|mock list, 64 clients, % of bare (>= 80)|mock create, 8 clients, % of bare (>= 80)|mock create, 64 clients, % of bare (>= 80)|trigger recorded, % of bare client (>= 90)|durable append, exchanges/s (>= 20000)|load 100k summaries, s (< 1)", label, "|")
    for (i = 1; i <= 7; i++) printf "%-46s base %-26s head %s\n", label[i], stat(v["base " order[i]]), stat(v["head " order[i]])
  }' "$tmp/all"
