#!/usr/bin/env bash
# The official MCP conformance suite (server scenarios) against a running
# server. Exit status 0 when every selected scenario passed.
#
#   scripts/mcp/conformance.sh URL [TOKEN] [--scenario NAME | --suite all] [other suite flags]
#
# With a TOKEN it first checks the bearer-token answers directly against URL
# (401 without and with a wrong token, 200 with it, the RFC 9728 metadata
# named by WWW-Authenticate), then runs the suite through auth-proxy.mjs,
# since the suite cannot send headers.
set -euo pipefail
source "$(dirname "$0")/env.sh"
URL=${1:?usage: $0 URL [TOKEN] [suite flags]}
shift
TOKEN=""
if [[ $# -gt 0 && $1 != -* ]]; then TOKEN=$1; shift; fi
echo "conformance $(conformance --version), node $(node --version)"

TARGET=$URL PROXY=""
LOG=$(mktemp)
trap '[[ -n $PROXY ]] && kill "$PROXY" 2>/dev/null; rm -f "$LOG"' EXIT
if [[ -n $TOKEN ]]; then
	INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"smoke","version":"0"}}}'
	H=(-H "Content-Type: application/json" -H "Accept: application/json, text/event-stream")
	hdr=$(curl -s -o /dev/null -D - -X POST "$URL" "${H[@]}" -d "$INIT")
	none=$(awk 'NR==1{print $2}' <<<"$hdr")
	wa=$(awk -F': ' 'tolower($1)=="www-authenticate"{print $2}' <<<"$hdr" | tr -d '\r')
	bad=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL" "${H[@]}" -H "Authorization: Bearer wrong-$RANDOM" -d "$INIT")
	good=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL" "${H[@]}" -H "Authorization: Bearer $TOKEN" -d "$INIT")
	echo "no token -> HTTP $none (WWW-Authenticate: ${wa:-<missing>}); wrong token -> HTTP $bad; valid token -> HTTP $good"
	prm=$(sed -nE 's/.*resource_metadata="([^"]+)".*/\1/p' <<<"$wa")
	[[ -n $prm ]] && echo "resource metadata $prm -> $(curl -s "$prm")"
	if [[ $none == 401 && $bad == 401 && $good == 200 && -n $prm ]]; then echo "auth smoke: OK"; else
		echo "auth smoke: UNEXPECTED (want 401/401/200 and resource_metadata)"; exit 1
	fi
	node "$MCP_DIR/auth-proxy.mjs" "$URL" "$TOKEN" >"$LOG" 2>&1 &
	PROXY=$!
	for _ in $(seq 50); do grep -q listening "$LOG" && break; sleep 0.1; done
	port=$(awk '/listening/{print $2}' "$LOG")
	[[ -n $port ]] || { echo "auth proxy did not start: $(cat "$LOG")" >&2; exit 1; }
	path=$(sed -E 's#^[a-z]+://[^/]+##' <<<"$URL")
	TARGET="http://127.0.0.1:$port${path:-/}"
	echo "the suite goes through the header-adding proxy at $TARGET"
fi
conformance server --url "$TARGET" "$@"
