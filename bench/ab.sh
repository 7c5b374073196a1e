#!/usr/bin/env bash
# A/B of two psbox builds on the trigger benchmark: the bare client and each
# build, recording on, in alternating rounds against one minimal receiver,
# then medians as a share of the bare client. For judging a change to the
# delivery or recording path on a noisy machine, where one run of each
# proves nothing.
#
#   git stash && go build -o /tmp/psbox-a . && git stash pop && go build -o /tmp/psbox-b .
#   bash bench/ab.sh /tmp/psbox-a /tmp/psbox-b          # COUNT=20000 CONC=16 ROUNDS=9
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bash bench/ab.sh PSBOX_A PSBOX_B" >&2; exit 2; }
a=$(realpath "$1"); b=$(realpath "$2")
cd "$(dirname "$0")/.."

COUNT=${COUNT:-20000}
CONC=${CONC:-16}
ROUNDS=${ROUNDS:-9}

tmp=$(mktemp -d)
rpid=""
cleanup() {
  if [ -n "$rpid" ]; then kill "$rpid" 2>/dev/null || true; wait "$rpid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/receiver" ./bench/receiver
go build -o "$tmp/bareclient" ./bench/bareclient
"$tmp/receiver" -addr 127.0.0.1:0 >"$tmp/addr" &
rpid=$!
for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
url="http://$(head -1 "$tmp/addr")/webhooks"
"$a" events show application_created --seed 1 >"$tmp/body.json"

rate() { sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' | tail -1; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
psbox() {
  rm -rf "$tmp/state"
  "$1" --state "$tmp/state" trigger application_created --to "$url" --seed 1 --count "$COUNT" --concurrency "$CONC" 2>&1 | rate
}

: >"$tmp/bare"; : >"$tmp/a"; : >"$tmp/b"
for r in $(seq "$ROUNDS"); do
  x=$("$tmp/bareclient" -url "$url" -body "$tmp/body.json" -count "$COUNT" -concurrency "$CONC" | rate)
  y=$(psbox "$a"); z=$(psbox "$b")
  echo "round $r: bare $x  A $y  B $z events/s"
  echo "$x" >>"$tmp/bare"; echo "$y" >>"$tmp/a"; echo "$z" >>"$tmp/b"
done
m0=$(median <"$tmp/bare"); ma=$(median <"$tmp/a"); mb=$(median <"$tmp/b")
awk -v x="$m0" -v y="$ma" -v z="$mb" 'BEGIN {
  printf "median: bare %d, A %d (%.1f%% of bare), B %d (%.1f%% of bare)\n", x, y, 100*y/x, z, 100*z/x
}'
