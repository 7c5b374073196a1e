# Shared by the bench scripts (sourced, not run, from the repository root):
# a temporary folder $tmp, the cleanup at exit, building the minimal
# receiver, the bare client and psbox into $tmp, starting the receiver, and
# reading rates and medians.

tmp=$(mktemp -d)
rpid=""      # the minimal receiver
bench_pid="" # the one psbox process a script keeps running, if any
bench_sock="psbox-bench-$$" # the tmux server of a script that drives a terminal

# bench_stop PID: stops PID (SIGINT, as Ctrl-C) and waits for it.
bench_stop() { kill -INT "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

bench_cleanup() {
  if [ -n "$bench_pid" ]; then kill "$bench_pid" 2>/dev/null || true; wait "$bench_pid" 2>/dev/null || true; fi
  if [ -n "$rpid" ]; then kill "$rpid" 2>/dev/null || true; wait "$rpid" 2>/dev/null || true; fi
  tmux -L "$bench_sock" kill-server 2>/dev/null || true
  rm -rf "$tmp"
}
trap bench_cleanup EXIT

# start_receiver builds bench/receiver and bench/bareclient and starts the
# receiver on a free loopback port; it sets url.
start_receiver() {
  go build -o "$tmp/receiver" ./bench/receiver
  go build -o "$tmp/bareclient" ./bench/bareclient
  "$tmp/receiver" -addr 127.0.0.1:0 >"$tmp/addr" &
  rpid=$!
  for _ in $(seq 50); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
  url="http://$(head -1 "$tmp/addr")/webhooks"
}

# start_bench builds psbox into $tmp/psbox, starts the receiver
# (start_receiver) and writes the payload the clients post to $tmp/body.json.
start_bench() {
  echo "building psbox, bench/receiver and bench/bareclient"
  go build -o "$tmp/psbox" .
  start_receiver
  "$tmp/psbox" events show application_created --seed 1 >"$tmp/body.json"
}

# bare [URL]: runs the bare client with the body in $tmp/body.json against
# URL (the minimal receiver when none); prints events/s.
bare() { "$tmp/bareclient" -url "${1:-$url}" -body "$tmp/body.json" -count "$COUNT" -concurrency "$CONC" | rate; }

rate() { sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' | tail -1; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
