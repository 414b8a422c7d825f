#!/usr/bin/env bash
# tools/list and tools/call through the official MCP Inspector CLI
# (mcp-inspector --cli, which follows nextCursor itself). With a TOKEN it also
# shows the answers without a token (auth_required, exit 3) and with a wrong one.
#
#   scripts/mcp/inspector.sh URL [TOKEN] --tool NAME [--args JSON]
#
# Each command is printed first (tokens masked) and followed by "[exit N]".
set -uo pipefail
source "$(dirname "$0")/env.sh"
URL=${1:?usage: $0 URL [TOKEN] --tool NAME [--args JSON]}
shift
TOKEN=""
if [[ $# -gt 0 && $1 != -* ]]; then TOKEN=$1; shift; fi
TOOL="" ARGS='{}'
while [[ $# -gt 0 ]]; do
	case $1 in
	--tool) TOOL=$2; shift 2 ;;
	--args) ARGS=$2; shift 2 ;;
	*) echo "inspector.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[[ -n $TOOL ]] || { echo "inspector.sh: --tool is required" >&2; exit 2; }
export HOME="$MCP_DIR/home" # Inspector keeps a catalogue and OAuth store under ~/.mcp-inspector
mkdir -p "$HOME"
AUTH=()
[[ -n $TOKEN ]] && AUTH=(--header "Authorization: Bearer $TOKEN")

run() {
	echo "\$ $*" | sed -E 's/(Bearer )[^" ]+/\1***/'
	"$@"
	echo "[exit $?]"
	echo
}
I=(mcp-inspector --cli "$URL" --transport http --format json --stored-auth-only)
run "${I[@]}" --method tools/list "${AUTH[@]}"
run "${I[@]}" --method tools/call --tool-name "$TOOL" --tool-args-json "$ARGS" "${AUTH[@]}"
if [[ -n $TOKEN ]]; then
	echo "# without Authorization (expect auth_required, exit 3):"
	run "${I[@]}" --method tools/list
	echo "# wrong token (expect a failure):"
	run "${I[@]}" --method tools/list --header "Authorization: Bearer wrong"
fi
