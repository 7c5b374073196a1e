#!/usr/bin/env bash
# Each hand-written speed-up (internal/handwritten) against the
# standard-library path it replaces: the checkout built as it is ("with")
# and with that one piece switched off at link time ("without"), measured
# on the bar the piece is kept for. Rounds alternate which side goes first;
# medians with the spread (min-max) at the end.
#
#   plainbody    mock create, % of a bare handler, 8 / 64 clients   (bar >= 80);
#                and the create handler's CPU, µs a request (no bar: steadier)
#   h1           trigger with recording, % of the bare client       (bar >= 90)
#   harline      HAR export of a log of $HAR exchanges, s           (bar: 15 s at 1M, so 1.5 s at 100k)
#   entityscan   psbox receive --quiet, % of a bare sink            (bar >= 90);
#                and the receive handler's CPU, µs a delivery (no bar: steadier)
#
#   bash bench/handwritten.sh                       # ROUNDS=3 COUNT=100000 CONC=16 HAR=100000
#   ROUNDS=5 PIECES=h1,harline bash bench/handwritten.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-100000}
CONC=${CONC:-16}
HAR=${HAR:-100000}
ALL=$(go run ./internal/handwritten/names)
PIECES=${PIECES:-$ALL}
for p in ${PIECES//,/ }; do
  case ",$ALL," in *",$p,"*) ;; *) echo "bench/handwritten.sh: no piece $p; PIECES takes some of $ALL" >&2; exit 2 ;; esac
done

. bench/lib.sh
start_receiver
echo "building the checkout with every piece, and without each of $PIECES"
for side in with ${PIECES//,/ }; do
  off=""; [ "$side" = with ] || off=$side
  flags="-X github.com/psbox-dev/psbox/internal/handwritten.off=$off"
  mkdir -p "$tmp/$side"
  go build -ldflags "$flags" -o "$tmp/$side/psbox" .
  case $side in with | plainbody) go test -c -ldflags "$flags" -o "$tmp/$side/mock.test" ./mock ;; esac
  case $side in with | entityscan) go test -c -ldflags "$flags" -o "$tmp/$side/receiver.test" ./receiver ;; esac
done
"$tmp/with/psbox" events show application_created --seed 1 >"$tmp/body.json"
case ",$PIECES," in *,harline,*)
  echo "recording $HAR exchanges for the HAR export"
  "$tmp/with/psbox" --state "$tmp/har" trigger application_created --seed 1 --to "$url" --count "$HAR" --concurrency 16 --quiet >/dev/null ;;
esac

# mockbench DIR PATTERN: the mock's share of the bare handler in one run of
# DIR's mock.test, as "8 clients" and "64 clients" lines.
mockbench() {
  "$1/mock.test" -test.run '^$' -test.bench "Server_$2\$|Bare_$2\$" -test.benchtime 1s |
    awk '/^Benchmark/ { n = $1; sub(/^Benchmark/, "", n); sub(/-[0-9]+$/, "", n); v[n] = $3 }
      END { for (k in v) if (k ~ /^Server_/) { b = k; sub(/^Server_/, "Bare_", b); c = k; sub(/.*clients=/, "", c); printf "%s-clients %.1f\n", c, 100 * v[b] / v[k] } }' | sort -n
}

# measure PIECE DIR: one measurement of PIECE's bar with the binaries in DIR.
measure() {
  local d=$2 x y s e
  case $1 in
    plainbody)
      mockbench "$d" Create
      "$d/mock.test" -test.run '^$' -test.bench 'Handler_Create$' -test.benchtime 1s | awk '/^Benchmark/ { printf "cpu-us %.2f\n", $3 / 1000 }' ;;
    h1)
      x=$(bare)
      rm -rf "$tmp/state"
      y=$("$d/psbox" --state "$tmp/state" trigger application_created --to "$url" --seed 1 --count "$COUNT" --concurrency "$CONC" 2>&1 | rate)
      awk -v x="$x" -v y="$y" 'BEGIN { printf "trigger %.1f\n", 100 * y / x }' ;;
    harline)
      s=$(date +%s%N)
      "$d/psbox" --state "$tmp/har" deliveries export --format har >/dev/null
      e=$(date +%s%N)
      awk -v ns=$((e - s)) 'BEGIN { printf "export %.2f\n", ns / 1e9 }' ;;
    entityscan)
      local x2
      x=$(bare)
      "$d/psbox" receive --addr 127.0.0.1:0 --quiet >/dev/null 2>"$tmp/recv.err" &
      bench_pid=$!
      for _ in $(seq 100); do grep -q "listening on" "$tmp/recv.err" 2>/dev/null && break; sleep 0.05; done
      y=$(bare "$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$tmp/recv.err" | head -1)")
      bench_stop "$bench_pid"; bench_pid=""
      x2=$(bare) # the bare sink before and after: the machine drifts
      awk -v x="$x" -v x2="$x2" -v y="$y" 'BEGIN { printf "receive %.1f\n", 200 * y / (x + x2) }'
      "$d/receiver.test" -test.run '^$' -test.bench 'ServeQuiet$' -test.benchtime 1s | awk '/^Benchmark/ { printf "cpu-us %.2f\n", $3 / 1000 }' ;;
  esac
}

: >"$tmp/all"
for r in $(seq "$ROUNDS"); do
  for p in ${PIECES//,/ }; do
    order="with $p"; [ $((r % 2)) -eq 0 ] && order="$p with"
    for side in $order; do
      d="$tmp/$side"; s=with; [ "$side" = with ] || s=without
      measure "$p" "$d" >"$tmp/one"
      while read -r metric value; do
        echo "$p $metric $s $value" >>"$tmp/all"
        echo "round $r $p $s: $metric $value"
      done <"$tmp/one"
    done
  done
done

echo
echo "medians of $ROUNDS rounds (min-max)"
awk -v pieces="$PIECES" '
  { k = $1 " " $2; v[k " " $3] = v[k " " $3] " " $4; if (!(k in seen)) { seen[k] = 1; keys[++n] = k } }
  function stat(s,   a, m, i, j, t) {
    m = split(substr(s, 2), a, " ")
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return sprintf("%s (%s-%s)", (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2, a[1], a[m])
  }
  END {
    bar["plainbody"] = ">= 80 %"; bar["h1"] = ">= 90 %"
    bar["harline"] = "<= 1.5 s at 100k"; bar["entityscan"] = ">= 90 %"
    printf "%-12s %-11s %-24s %-24s %s\n", "piece", "measure", "with it", "without it", "bar"
    for (i = 1; i <= n; i++) { split(keys[i], kk, " "); printf "%-12s %-11s %-24s %-24s %s\n", kk[1], kk[2], stat(v[keys[i] " with"]), stat(v[keys[i] " without"]), (kk[2] == "cpu-us") ? "-" : bar[kk[1]] }
  }' "$tmp/all"
