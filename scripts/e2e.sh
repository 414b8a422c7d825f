#!/usr/bin/env bash
# Black-box checks with clients nobody on this project wrote: the official
# TypeScript SDK client and MCP Inspector CLI against the quickstart (stateful
# and stateless), and the official conformance suite against the gateway.
# Needs scripts/setup/mcp.sh to have run (scripts/test.sh does that).
set -uo pipefail
cd "$(dirname "$0")/.."
MCP=scripts/mcp
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

pass=0 fail=0
check() { # check NAME COMMAND... : runs the command, which must succeed
  local name=$1; shift
  if out=$("$@" 2>&1); then
    pass=$((pass + 1)); echo "PASS $name"
  else
    fail=$((fail + 1)); echo "FAIL $name"; echo "$out" | tail -30 | sed 's/^/    /'
  fi
}
contains() { # contains TEXT NEEDLE...
  local text=$1; shift
  for n in "$@"; do grep -qF -- "$n" <<<"$text" || { echo "missing: $n"; echo "$text" | tail -20; return 1; }; done
}

go build -o "$WORK/quickstart" ./examples/quickstart || exit 1
go build -o "$WORK/conformance" ./internal/cmd/conformance || exit 1
go build -o "$WORK/mcpserver" ./examples/mcpserver || exit 1
go build -o "$WORK/toolgate" ./cmd/toolgate || exit 1
FIXTURE="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/mcp/everything-server"

# start NAME CMD... : starts a server on a free port and sets URL from its first line
# (30 s at most: a busy machine starts node servers slowly).
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 300); do
    URL=$(grep -oE 'http://127\.0\.0\.1:[0-9]+/mcp' "$WORK/$name.log" | head -1)
    [[ -n $URL ]] && return 0
    sleep 0.1
  done
  echo "server $name did not start:"; cat "$WORK/$name.log"; exit 1
}

# wait_for NAME FILE PATTERN : waits until FILE, a backend's log, holds PATTERN
# (30 s at most), or says that the backend NAME did not start.
wait_for() {
  for _ in $(seq 300); do grep -q "$3" "$2" && return 0; sleep 0.1; done
  echo "the $1 server did not start in 30 s:"; cat "$2"
}

client_check() { # client_check URL: TS SDK client lists every page and calls a tool
  local out; out=$("$MCP/client.sh" "$1" --tool clock___now --args '{"timezone":"Europe/Paris"}') || { echo "$out"; return 1; }
  contains "$out" "tools/list: 3 tool(s) in 3 page(s)" "clock___now, units___convert, units___list" '\"timezone\":\"Europe/Paris\"' '"structuredContent"'
}
inspector_check() { # inspector_check URL: Inspector CLI lists (following pages) and calls
  local out; out=$("$MCP/inspector.sh" "$1" --tool units___convert --args '{"value":10,"from":"km","to":"mi"}') || { echo "$out"; return 1; }
  contains "$out" '"name":"clock___now"' '"name":"units___convert"' '"name":"units___list"' '10 km = 6.213711922 mi'
  [[ $(grep -c '^\[exit 0\]' <<<"$out") == 2 ]] || { echo "inspector did not exit 0 twice"; echo "$out"; return 1; }
}
invalid_check() { # a bad argument is an isError result naming the field
  local out; out=$("$MCP/client.sh" "$1" --tool units___convert --args '{"value":"ten","from":"km","to":"mi"}')
  contains "$out" '"isError":true' '/value: got string, want number'
}

for mode in stateful stateless; do
  env=(TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_PAGE_SIZE=1)
  [[ $mode == stateless ]] && env+=(TOOLGATE_STATELESS=1)
  start "quickstart-$mode" env "${env[@]}" "$WORK/quickstart"
  check "ts-sdk-client/$mode" client_check "$URL"
  check "inspector-cli/$mode" inspector_check "$URL"
  check "invalid-arguments/$mode" invalid_check "$URL"
done

scenario_check() { # scenario_check URL SCENARIO: one conformance scenario, every check passed
  local out; out=$("$MCP/conformance.sh" "$1" --scenario "$2" 2>&1)
  echo "$out" | tail -15
  grep -qE '^Passed: ([0-9]+)/\1, 0 failed' <<<"$out"
}

# Conformance: the scenarios that apply to a tools-only server (README lists the rest).
SCENARIOS=(server-initialize ping logging-set-level tools-list tools-call-simple-text tools-call-image
  tools-call-audio tools-call-embedded-resource tools-call-mixed-content tools-call-error
  json-schema-2020-12 resources-list prompts-list dns-rebinding-protection
  tools-call-with-logging tools-call-with-progress)
for mode in stateful stateless; do
  flags=(-addr 127.0.0.1:0)
  [[ $mode == stateless ]] && flags+=(-stateless)
  start "conformance-$mode" "$WORK/conformance" "${flags[@]}"
  scen=("${SCENARIOS[@]}")
  # These need a session: the server asks the client (sampling, elicitation)
  # or keeps standalone streams.
  [[ $mode == stateful ]] && scen+=(server-sse-multiple-streams tools-call-sampling tools-call-elicitation
    elicitation-sep1034-defaults elicitation-sep1330-enums)
  for s in "${scen[@]}"; do
    check "conformance/$mode/$s" scenario_check "$URL" "$s"
  done
done

# The whole conformance suite through the gateway in front of go-sdk's
# conformance fixture server, published without a prefix, over streamable
# HTTP and over stdio: every scenario passes, as against the fixture
# directly (elicitation-sep1330-enums included: the server's elicitation
# reaches the client as sent, past go-sdk's stricter schema rules).
federated_check() { # federated_check URL
  local out; out=$("$MCP/conformance.sh" "$1" 2>&1)
  grep -E '^(✓|✗) |^Total' <<<"$out" | tail -40
  ! grep -qE '^✗ ' <<<"$out" && grep -qE '^Total: [0-9]+ passed, 0 failed' <<<"$out" &&
    grep -qE '^✓ elicitation-sep1330-enums' <<<"$out" && grep -qE '^✓ tools-call-sampling' <<<"$out"
}
port=$(( 20000 + RANDOM % 20000 ))
"$FIXTURE" -http "127.0.0.1:$port" -stateless=false >"$WORK/fixture.log" 2>&1 &
PIDS+=($!)
wait_for fixture "$WORK/fixture.log" listening
start "federated-http" env TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_MCP_URL="http://127.0.0.1:$port/mcp" TOOLGATE_MCP_PREFIX=0 "$WORK/mcpserver"
check "conformance/federated-http" federated_check "$URL"
# Stateless: the scenarios of a stateless server (no requests to the
# client), the server's progress and log messages on each call's stream.
start "federated-http-stateless" env TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_STATELESS=1 TOOLGATE_MCP_URL="http://127.0.0.1:$port/mcp" TOOLGATE_MCP_PREFIX=0 "$WORK/mcpserver"
for s in "${SCENARIOS[@]}"; do
  check "conformance/federated-http-stateless/$s" scenario_check "$URL" "$s"
done
start "federated-stdio" env TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_MCP_COMMAND="$FIXTURE" TOOLGATE_MCP_PREFIX=0 "$WORK/mcpserver"
check "conformance/federated-stdio" federated_check "$URL"
start "federated-stdio-per-session" env TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_MCP_COMMAND="$FIXTURE" TOOLGATE_MCP_PREFIX=0 \
  TOOLGATE_MCP_PER_SESSION=1 "$WORK/mcpserver"
check "conformance/federated-stdio-per-session" federated_check "$URL"

# The reference server @modelcontextprotocol/server-everything behind the
# gateway, over stdio and over streamable HTTP, with the TypeScript client:
# every tool listed as everything___NAME, a call answered, prompts and
# resources listed, got and read.
EVERYTHING=("${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/mcp/node_modules/.bin/node"
  "${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/mcp/node_modules/@modelcontextprotocol/server-everything/dist/index.js")
everything_check() { # everything_check URL
  local out; out=$("$MCP/client.sh" "$1" --tool everything___echo --args '{"message":"hi"}' --offers) || { echo "$out"; return 1; }
  contains "$out" "everything___echo, everything___get-annotated-message" 'Echo: hi' \
    "prompts/get everything___simple-prompt -> 1 message(s)" "resources/read demo://"
}
start "everything-stdio" env TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_TARGET_NAME=everything \
  TOOLGATE_MCP_COMMAND="${EVERYTHING[*]} stdio" "$WORK/mcpserver"
check "everything/stdio" everything_check "$URL"
eport=$(( 20000 + RANDOM % 20000 ))
PORT=$eport "${EVERYTHING[@]}" streamableHttp >"$WORK/everything.log" 2>&1 &
PIDS+=($!)
wait_for everything "$WORK/everything.log" "listening on port"
start "everything-http" env TOOLGATE_ADDR=127.0.0.1:0 TOOLGATE_TARGET_NAME=everything \
  TOOLGATE_MCP_URL="http://127.0.0.1:$eport/mcp" "$WORK/mcpserver"
check "everything/streamable-http" everything_check "$URL"

# The standalone gateway with the same server as a command in its
# configuration file (the local extension), a process per client session.
# everything_config FILE GATEWAY MCPSERVER TOOLGATE: a configuration file
# with the reference server as a command target (YAML flow values).
everything_config() {
  cat >"$1" <<EOF
gateway: $2
targets:
  - name: everything
    targetConfiguration: {mcp: {mcpServer: $3}}
toolgate: $4
EOF
}
EVERYTHING_COMMAND="[\"${EVERYTHING[0]}\", \"${EVERYTHING[1]}\", stdio]"
everything_config "$WORK/stdio.yaml" "{name: local, authorizerType: NONE}" \
  "{command: $EVERYTHING_COMMAND, processPerSession: true}" "{}"
start "standalone-stdio" "$WORK/toolgate" serve --config "$WORK/stdio.yaml" --addr 127.0.0.1:0
sessions_check() { # the listing's process and one per session: at least two
  for _ in $(seq 50); do
    (( $(grep -c 'Starting default (STDIO) server' "$WORK/standalone-stdio.log") >= 2 )) && return 0
    sleep 0.1
  done
  echo "one process for every session:"; cat "$WORK/standalone-stdio.log"; return 1
}
check "everything/standalone-stdio-per-session" everything_check "$URL"
check "everything/standalone-stdio-processes" sessions_check

# Find and call: the standalone gateway with the same server, listing the
# search tool and call_tool alone. The TypeScript client finds the server's
# long-running tool by searching and calls it through call_tool; the
# server's progress reaches the client under the client's own token.
everything_config "$WORK/findcall.yaml" "{name: local, authorizerType: NONE, protocolConfiguration: {mcp: {searchType: SEMANTIC}}}" \
  "{command: $EVERYTHING_COMMAND}" "{search: {callTool: true, listBuiltinsOnly: true}}"
start "standalone-find-call" "$WORK/toolgate" serve --config "$WORK/findcall.yaml" --addr 127.0.0.1:0
find_call_check() { # find_call_check URL
  local out
  out=$("$MCP/client.sh" "$1" --tool x_amz_bedrock_agentcore_search --args '{"query":"long running operation with progress"}') || { echo "$out"; return 1; }
  contains "$out" "tools/list: 2 tool(s) in 1 page(s): call_tool, x_amz_bedrock_agentcore_search" 'everything___trigger-long-running-operation' || return 1
  out=$("$MCP/client.sh" "$1" --progress --tool call_tool \
    --args '{"name":"everything___trigger-long-running-operation","arguments":{"duration":0.3,"steps":3}}') || { echo "$out"; return 1; }
  contains "$out" 'progress: {"progress":1,"total":3}' 'progress: {"progress":3,"total":3}' 'Long running operation completed'
}
check "everything/find-and-call-progress" find_call_check "$URL"

echo "e2e: $pass passed, $fail failed"
(( fail == 0 ))
