#!/usr/bin/env bash
# The whole toolgate test suite, on a fresh machine with Go, node/npm and apt:
# installs the real components the tests use (scripts/setup/*.sh: npm and Go
# tools into $TOOLGATE_TOOLS_DIR, headless Chromium with apt-get), checks
# formatting and vet, runs every Go test with the race detector, runs each
# fuzz target briefly, and the black-box checks with the official MCP clients
# and conformance suite.
#
#   bash scripts/test.sh            (FUZZTIME=30s or =20000x to fuzz longer; default 2000x inputs)
set -euo pipefail
cd "$(dirname "$0")/.."
export TOOLGATE_TOOLS_DIR=${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}
FUZZTIME=${FUZZTIME:-2000x}
step() { printf '\n=== %s (%s)\n' "$*" "$(date -u +%T)"; }

step "gofmt and go vet"
bad=$(gofmt -l $(git ls-files '*.go') 2>&1 || true)
if [[ -n $bad ]]; then echo "gofmt would change: $bad"; exit 1; fi
go vet ./...

step "install real components into $TOOLGATE_TOOLS_DIR (and chromium.sh: /usr/bin/chromium)"
for s in scripts/setup/*.sh; do
  echo "--- $s"; bash "$s" >/dev/null
done

step "go test -race ./..."
go test -race -count=1 -timeout 25m ./...

step "fuzz targets, $FUZZTIME each"
while read -r file fn; do
  pkg=./$(dirname "$file")
  echo "--- $pkg $fn"
  log=$(mktemp)
  if ! go test -run '^$' -fuzz "^$fn\$" -fuzztime "$FUZZTIME" -fuzzminimizetime 20x "$pkg" >"$log" 2>&1; then
    # A time-limited run can end while the fuzzer is still busy with an input
    # ("context deadline exceeded"): that is no finding. A failing input is.
    if grep -q 'Failing input written' "$log" || ! grep -q 'context deadline exceeded' "$log"; then
      cat "$log"; exit 1
    fi
    echo "    (time limit reached mid-input; no failing input)"
  fi
  rm -f "$log"
done < <(git ls-files '*_test.go' | xargs grep -oE '^func Fuzz[A-Za-z0-9_]+' | sed -E 's/:func / /')

step "official MCP clients and conformance suite"
bash scripts/e2e.sh
