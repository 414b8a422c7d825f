#!/usr/bin/env bash
# The official TypeScript SDK client (client.mjs) against a streamable HTTP
# MCP endpoint: lists every tool, calls one, optionally watches list_changed.
#
#   scripts/mcp/client.sh URL [TOKEN] [--tool NAME] [--args JSON] [--watch SECONDS] [--offers] [--sample ANSWER] [--progress]
set -euo pipefail
source "$(dirname "$0")/env.sh"
exec node "$MCP_DIR/client.mjs" "$@"
