# Shared by bench/trigger.sh and bench/ab.sh (sourced, not run): builds the
# minimal receiver and the bare client into $tmp, starts the receiver, and
# reads rates and medians. The caller sets tmp and sources this from the
# repository root.

rpid=""
bench_cleanup() {
  if [ -n "$rpid" ]; then kill "$rpid" 2>/dev/null || true; wait "$rpid" 2>/dev/null || true; fi
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

# bare runs the bare client with the body in $tmp/body.json; prints events/s.
bare() { "$tmp/bareclient" -url "$url" -body "$tmp/body.json" -count "$COUNT" -concurrency "$CONC" | rate; }

rate() { sed -n 's/.* \([0-9][0-9]*\) events\/s.*/\1/p' | tail -1; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
