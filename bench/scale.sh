#!/usr/bin/env bash
# Scale of the delivery log: builds logs of 10k, 100k and 1M exchanges with
# psbox trigger, then times each reader on them (median of ROUNDS, page
# cache warm) with its peak RSS, next to a plain cp of the log:
#
#   deliveries --limit 50, deliveries show ID (an ID from the middle),
#   export --format jsonl / har (-o a file), cp of the log (baseline),
#   the TUI (tmux): first frame of the Deliveries list and the list full,
#   serve: ready (health answers) on the big log, and its RSS after
#   10k and after SERVE_CALLS recorded API calls.
#
#   bash bench/scale.sh                       # SIZES="10000 100000 1000000" ROUNDS=3
#   SIZES="10000 100000" ROUNDS=1 bash bench/scale.sh
#
# Bars at 1M (issue "A log of a million exchanges"): list/show <= 50 ms and
# <= 50 MB; exports <= 100 MB, jsonl <= 3x cp, HAR <= 15 s; TUI first frame
# <= 300 ms and <= 300 MB; serve ready <= 300 ms, RSS after 1M calls within
# 50 MB of after 10k. Needs about 3 GB free in $TMPDIR at 1M.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 100000 1000000"}
ROUNDS=${ROUNDS:-3}
SERVE_CALLS=${SERVE_CALLS:-1000000}
CONC=${CONC:-16}

. bench/lib.sh
start_bench
psbox="$tmp/psbox"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# measure NAME CMD...: runs CMD ROUNDS times; prints "NAME ms MB" (medians).
measure() {
  local name=$1; shift
  : >"$tmp/ms"; : >"$tmp/kb"
  for _ in $(seq "$ROUNDS"); do
    local t0 t1
    t0=$(now_ms)
    /usr/bin/time -f "%M" -o "$tmp/rss" "$@" >/dev/null 2>"$tmp/err" || { echo "$name failed:"; cat "$tmp/err"; exit 1; }
    t1=$(now_ms)
    echo $((t1 - t0)) >>"$tmp/ms"
    tail -1 "$tmp/rss" >>"$tmp/kb"
  done
  printf "%-28s %8s ms %6s MB   (ms of each round: %s)\n" "$name" "$(median <"$tmp/ms")" "$(( $(median <"$tmp/kb") / 1024 ))" "$(tr '\n' ' ' <"$tmp/ms")"
}

# tui STATE N: starts the TUI in tmux on the log, shows the Deliveries screen
# and prints the time to its first row and to the list being full, and the
# peak RSS then.
tui() {
  local state=$1 n=$2 t0 first="" full="" pid
  tmux -L "$bench_sock" kill-server 2>/dev/null || true
  t0=$(now_ms)
  tmux -L "$bench_sock" new-session -d -x 120 -y 40 \
    "$psbox --state $state --addr 127.0.0.1:0 --target http://127.0.0.1:9/none; sleep 60"
  tmux -L "$bench_sock" send-keys 3
  for _ in $(seq 3000); do
    local screen
    screen=$(tmux -L "$bench_sock" capture-pane -p 2>/dev/null || true)
    if [ -z "$first" ] && grep -q " of [0-9]" <<<"$screen"; then first=$(( $(now_ms) - t0 )); fi
    if grep -q "1 of $n\b" <<<"$screen"; then full=$(( $(now_ms) - t0 )); break; fi
    sleep 0.01
  done
  pid=$(pgrep -n -f "$psbox --state $state --addr" || true)
  local hwm=0
  [ -n "$pid" ] && hwm=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status")
  tmux -L "$bench_sock" send-keys q
  sleep 0.3
  tmux -L "$bench_sock" kill-server 2>/dev/null || true
  printf "%-28s %8s ms %6s MB   (list full after %s ms)\n" "TUI first frame" "${first:-?}" "$hwm" "${full:-? (not within 30 s)}"
}

# serve_bench STATE: ready time of psbox serve on the log, then its RSS
# after 10k and after SERVE_CALLS recorded API calls.
serve_bench() {
  local state=$1 t0 ready="" addr
  : >"$tmp/serve.out"
  t0=$(now_ms)
  "$psbox" --state "$state" serve --addr 127.0.0.1:0 >"$tmp/serve.out" 2>&1 &
  bench_pid=$!
  for _ in $(seq 3000); do
    addr=$(sed -n 's|.*http://\(127\.0\.0\.1:[0-9]*\).*|\1|p' "$tmp/serve.out" | head -1)
    if [ -n "$addr" ] && curl -sf "http://$addr/_psbox/health" >/dev/null 2>&1; then ready=$(( $(now_ms) - t0 )); break; fi
    sleep 0.005
  done
  local rss0
  rss0=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$bench_pid/status")
  printf "%-28s %8s ms %6s MB\n" "serve ready" "${ready:-?}" "$rss0"
  echo '{"n":1}' >"$tmp/call.json"
  "$tmp/bareclient" -url "http://$addr/api/v2/bench" -body "$tmp/call.json" -count 10000 -concurrency "$CONC" >/dev/null
  local r10k r1m
  r10k=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$bench_pid/status")
  "$tmp/bareclient" -url "http://$addr/api/v2/bench" -body "$tmp/call.json" -count $((SERVE_CALLS - 10000)) -concurrency "$CONC" >"$tmp/calls.out"
  r1m=$(awk '/VmRSS/ {print int($2/1024)}' "/proc/$bench_pid/status")
  printf "%-28s %8s MB after 10k calls, %s MB after %s (%s)\n" "serve RSS" "$r10k" "$r1m" "$SERVE_CALLS" "$(rate <"$tmp/calls.out") calls/s"
  bench_stop "$bench_pid"; bench_pid=""
}

for n in $SIZES; do
  state="$tmp/state-$n"
  t0=$(now_ms)
  "$psbox" --state "$state" trigger application_created --to "$url" --seed 1 --count "$n" --concurrency "$CONC" >"$tmp/trigger.out" 2>&1 ||
    { echo "trigger failed:"; tail -5 "$tmp/trigger.out"; exit 1; }
  log="$state/deliveries.jsonl"
  echo
  echo "== $n exchanges: $(du -h "$log" | cut -f1) log, built in $(( $(now_ms) - t0 )) ms ($(rate <"$tmp/trigger.out") events/s)"
  id=$(sed -n "$((n / 2))p" "$log" | cut -c8-36)
  cat "$log" >/dev/null # warm the page cache
  measure "cp of the log (baseline)" cp "$log" "$tmp/copy"
  rm -f "$tmp/copy"
  measure "deliveries --limit 50" "$psbox" --state "$state" deliveries --limit 50
  measure "deliveries show ID" "$psbox" --state "$state" deliveries show "$id"
  measure "export --format jsonl" "$psbox" --state "$state" deliveries export --format jsonl -o "$tmp/out.jsonl"
  cmp -s "$log" "$tmp/out.jsonl" && echo "  (the jsonl export is byte-identical to the log)"
  rm -f "$tmp/out.jsonl"
  measure "export --format har" "$psbox" --state "$state" deliveries export --format har -o "$tmp/out.har"
  rm -f "$tmp/out.har"
  tui "$state" "$n"
  if [ "$n" = "$(echo "$SIZES" | awk '{print $NF}')" ]; then
    serve_bench "$state"
  fi
  rm -rf "$state"
done
