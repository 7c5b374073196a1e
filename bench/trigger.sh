#!/usr/bin/env bash
# Trigger throughput: psbox trigger against a bare net/http client posting
# the same payload at the same concurrency to the same minimal receiver,
# alternating in one run. Bar (DESIGN.md): psbox with recording on reaches at
# least 90% of the bare client's events per second.
#
#   bash bench/trigger.sh                 # COUNT=20000 CONC=16 ROUNDS=3
#   COUNT=50000 ROUNDS=5 bash bench/trigger.sh
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
CONC=${CONC:-16}
ROUNDS=${ROUNDS:-3}

. bench/lib.sh
start_bench
# Connections each client opened, from the receiver's count (RELIABILITY.md
# item 4: about CONC for a keep-alive receiver); the count itself is one
# connection, subtracted.
conns() { curl -s "http://$(head -1 "$tmp/addr")/conns" 2>/dev/null || echo 0; }

echo "receiver $url; $COUNT events of application_created at concurrency $CONC, $ROUNDS rounds"
echo "psbox records every attempt in its deliveries log (recording on, the default); the unrecorded run is shown for reference"

: >"$tmp/bare"; : >"$tmp/rec"; : >"$tmp/norec"
for r in $(seq "$ROUNDS"); do
  c0=$(conns)
  b=$(bare)
  c1=$(conns)
  "$tmp/psbox" --state "$tmp/state-rec-$r" trigger application_created --to "$url" --seed 1 \
    --count "$COUNT" --concurrency "$CONC" >"$tmp/out-rec" 2>&1 || { echo "psbox trigger failed:"; tail -5 "$tmp/out-rec"; exit 1; }
  p=$(rate <"$tmp/out-rec")
  c2=$(conns)
  "$tmp/psbox" --state "$tmp/state-norec-$r" trigger application_created --to "$url" --seed 1 \
    --count "$COUNT" --concurrency "$CONC" --no-record >"$tmp/out-norec" 2>&1 || { echo "psbox trigger failed:"; tail -5 "$tmp/out-norec"; exit 1; }
  n=$(rate <"$tmp/out-norec")
  echo "round $r: bare $b events/s   psbox (recorded) $p events/s   psbox (--no-record) $n events/s   connections opened: bare $((c1-c0-1)), psbox $((c2-c1-1))"
  echo "$b" >>"$tmp/bare"; echo "$p" >>"$tmp/rec"; echo "$n" >>"$tmp/norec"
  rm -rf "$tmp/state-rec-$r" "$tmp/state-norec-$r"
done

bare=$(median <"$tmp/bare"); rec=$(median <"$tmp/rec"); norec=$(median <"$tmp/norec")
echo "median: bare $bare events/s, psbox recorded $rec events/s, psbox --no-record $norec events/s"
awk -v b="$bare" -v p="$rec" -v n="$norec" 'BEGIN {
  printf "ratio psbox/bare: recorded %.1f%%, --no-record %.1f%% (bar: recorded >= 90%%)\n", 100*p/b, 100*n/b
  printf "recording keeps %.1f%% of the --no-record rate\n", 100*p/n
  if (p < 0.9*b) { print "BELOW the bar"; exit 1 }
}'
