#!/usr/bin/env bash
# Export speed on a big delivery log: psbox deliveries export --format jsonl
# (-o a file, and to stdout) and --format har (-o) next to a plain cp of the
# log (and cp then sync, the baseline of -o, which fsyncs), alternating in
# each round; medians of ROUNDS with the spread (min-max), peak RSS and
# the CPU time used (user+sys, steadier than wall time on a shared
# machine). With BASE (a git revision) the HAR export of a psbox built from
# it runs in the same rounds, for a ratio against it.
#
#   bash bench/export.sh                          # N=1000000 ROUNDS=3
#   N=100000 BASE=main bash bench/export.sh
#   STATE=/path/to/state bash bench/export.sh     # an existing log, kept
#
# Bars at 1,000,000 exchanges (issue "A log of a million exchanges"): both
# exports <= 100 MB peak RSS, jsonl <= 3x the cp, HAR <= 15 s. Building the
# 1M log takes about 1.3 GB in $TMPDIR and a few minutes; the HAR written
# takes 1.7 GB more while a round runs.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
ROUNDS=${ROUNDS:-3}
CONC=${CONC:-16}

. bench/lib.sh
start_bench
psbox="$tmp/psbox"
if [ -n "${BASE:-}" ]; then
  mkdir -p "$tmp/base-src"
  git archive "$BASE" | tar -x -C "$tmp/base-src"
  (cd "$tmp/base-src" && go build -o "$tmp/psbox-base" .)
fi

state=${STATE:-}
if [ -z "$state" ]; then
  state="$tmp/state"
  echo "building a log of $N exchanges with psbox trigger"
  "$psbox" --state "$state" trigger application_created --to "$url" --seed 1 --count "$N" --concurrency "$CONC" >/dev/null 2>"$tmp/trigger.err" ||
    { echo "trigger failed:"; tail -5 "$tmp/trigger.err"; exit 1; }
fi
log="$state/deliveries.jsonl"
echo "log: $(wc -l <"$log") exchanges, $(du -h "$log" | cut -f1); load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$log" >/dev/null # warm the page cache

names=("cp of the log" "export --format jsonl" "export --format har")
cmds=("cp $log $tmp/out" "$psbox --state $state deliveries export --format jsonl -o $tmp/out" "$psbox --state $state deliveries export --format har -o $tmp/out")
# -o fsyncs the file before its rename, as a plain cp does not: the fair
# baselines are cp then sync for -o, and cp for the export to stdout.
names+=("cp of the log, then sync" "export --format jsonl > file")
cmds+=("cp $log $tmp/out && sync $tmp/out" "$psbox --state $state deliveries export --format jsonl > $tmp/out")
if [ -n "${BASE:-}" ]; then
  names+=("export --format har ($BASE)")
  cmds+=("$tmp/psbox-base --state $state deliveries export --format har -o $tmp/out")
fi

for r in $(seq "$ROUNDS"); do
  for i in "${!cmds[@]}"; do
    rm -f "$tmp/out"
    /usr/bin/time -f "%e %U %S %M" -o "$tmp/t" bash -c "${cmds[$i]}" >/dev/null 2>"$tmp/err" || { echo "${names[$i]} failed:"; cat "$tmp/err"; exit 1; }
    read -r wall user sys kb <"$tmp/t"
    echo "$wall" >>"$tmp/wall-$i"
    awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }' >>"$tmp/cpu-$i"
    echo "$kb" >>"$tmp/kb-$i"
  done
  if [ "$r" = 1 ] && ! cmp -s "$log" <("$psbox" --state "$state" deliveries export --format jsonl -o -); then
    echo "  the jsonl export differs from the log"
  fi
  echo "round $r done (load average $(cut -d' ' -f1-3 /proc/loadavg))"
done
rm -f "$tmp/out"

spread() { sort -n | awk '{v[NR]=$1} END {printf "%s-%s", v[1], v[NR]}'; }
printf "%-34s %9s %15s %9s %7s\n" "" "wall s" "(min-max)" "cpu s" "RSS MB"
for i in "${!cmds[@]}"; do
  printf "%-34s %9s %15s %9s %7s\n" "${names[$i]}" "$(median <"$tmp/wall-$i")" "($(spread <"$tmp/wall-$i"))" \
    "$(median <"$tmp/cpu-$i")" "$(( $(median <"$tmp/kb-$i") / 1024 ))"
done
awk -v c="$(median <"$tmp/wall-0")" -v j="$(median <"$tmp/wall-4")" -v cs="$(median <"$tmp/wall-3")" -v jo="$(median <"$tmp/wall-1")" 'BEGIN {
  printf "jsonl to stdout / cp: %.2fx (bar <= 3x); jsonl -o / (cp, then sync): %.2fx\n", j / c, jo / cs }'
if [ -n "${BASE:-}" ]; then
  awk -v n="$(median <"$tmp/wall-2")" -v b="$(median <"$tmp/wall-5")" 'BEGIN { printf "HAR: %.2fx the time of %s\n", n / b, ENVIRON["BASE"] }'
fi
