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

. bench/lib.sh
start_receiver
"$a" events show application_created --seed 1 >"$tmp/body.json"

psbox() {
  rm -rf "$tmp/state"
  "$1" --state "$tmp/state" trigger application_created --to "$url" --seed 1 --count "$COUNT" --concurrency "$CONC" 2>&1 | rate
}

: >"$tmp/bare"; : >"$tmp/a"; : >"$tmp/b"
for r in $(seq "$ROUNDS"); do
  x=$(bare)
  y=$(psbox "$a"); z=$(psbox "$b")
  echo "round $r: bare $x  A $y  B $z events/s"
  echo "$x" >>"$tmp/bare"; echo "$y" >>"$tmp/a"; echo "$z" >>"$tmp/b"
done
m0=$(median <"$tmp/bare"); ma=$(median <"$tmp/a"); mb=$(median <"$tmp/b")
awk -v x="$m0" -v y="$ma" -v z="$mb" 'BEGIN {
  printf "median: bare %d, A %d (%.1f%% of bare), B %d (%.1f%% of bare)\n", x, y, 100*y/x, z, 100*z/x
}'
