#!/usr/bin/env bash
# The import rules of ARCHITECTURE.md, checked on `go list` output: each rule
# names a package pattern and the imports it must not have. Prints every
# broken rule and exits 1 if there is one.
set -euo pipefail
cd "$(dirname "$0")/.."
m=github.com/psbox-dev/psbox
fail=0

# forbid PACKAGES REGEX WHY: none of PACKAGES may import a path matching REGEX.
forbid() {
  local pkgs=$1 re=$2 why=$3 bad
  bad=$(go list -f '{{.ImportPath}}: {{join .Imports " "}}' $pkgs 2>/dev/null |
    awk -v re="$re" '{ for (i = 2; i <= NF; i++) if ($i ~ re) print $1 " imports " $i }' || true)
  if [ -n "$bad" ]; then echo "$why:"; echo "$bad"; fail=1; fi
}

forbid "./ui/..." '^net/http$|^net/http/|^os$|^os/exec$|^'"$m"'/(mock|receiver|psboxtest)' \
  "ui/ gets its I/O through the small interfaces in ui/deps.go (no net/http, no os, no os/exec, no mock)"
forbid "./fixtures/..." '^net/http$|^'"$m"'/(mock|ui|receiver|psboxtest|recorder/httprec)' \
  "fixtures/ never does HTTP (the case runner takes a delivery function) and knows no server"
forbid "./recorder" '^'"$m"'/(mock|ui|fixtures|receiver|psboxtest|recorder/httprec)' \
  "recorder/ is the log and knows nothing above it"
forbid "./recorder/render" '^'"$m"'/(mock|ui|fixtures|receiver|psboxtest|recorder/httprec)' \
  "recorder/render writes recorded exchanges for people and knows only the log"
forbid "./recorder/httprec" '^'"$m"'/(mock|ui|fixtures|receiver|psboxtest)' \
  "recorder/httprec adapts net/http to the recorder only"
forbid "./mock/delivery/..." '^'"$m"'/(mock$|mock/openapi|ui|receiver|psboxtest)' \
  "mock/delivery is the sender; the mock API sits above it"
forbid "./mock/openapi/..." '^'"$m"'/(mock$|mock/delivery|ui|receiver|recorder|psboxtest)' \
  "mock/openapi describes the API from the catalog; it does not serve it"
forbid "./audit/..." '^'"$m"'/(mock$|receiver|ui)' \
  "audit/ sends through mock/delivery only; the receiver it grades is not its own"
forbid "./receiver/..." '^'"$m"'/(audit|ui)' \
  "receiver/ is graded by audit/ and must not know its checks"
forbid "./internal/appendlog" '^'"$m"'/' \
  "internal/appendlog is the engine under both stores: the standard library only"
forbid "./load/..." '^'"$m"'/(mock$|mock/openapi|ui|receiver|audit|psboxtest)' \
  "load/ runs deliveries through mock/delivery; it knows no server, receiver or audit"
forbid "./internal/..." '^'"$m"'/[^i]' \
  "internal/ packages are leaves: they import only the standard library and each other"
forbid "$(go list ./... | grep -v '^'"$m"'/mock/delivery$')" '^'"$m"'/internal/h1$' \
  "internal/h1 is the sender's transport: only mock/delivery imports it"
forbid "./tuiapp/..." '^'"$m"'/(audit|psboxtest|recorder/httprec)$' \
  "tuiapp wires the UI to the log and the mock API's store and sender; it grades nothing and records through the sender"
forbid "./mock/... ./recorder/... ./fixtures/... ./receiver/... ./audit/... ./load/... ./internal/... ./psboxtest/... ./ui/..." '^'"$m"'/tuiapp$' \
  "only package main imports tuiapp"
forbid "./mock/... ./recorder/... ./fixtures/... ./receiver/... ./audit/... ./load/... ./internal/... ./psboxtest/..." '^'"$m"'/ui$' \
  "only tuiapp imports ui"
exit $fail
