#!/usr/bin/env bash
# Installs the npm peer @ivotoby/openapi-mcp-server that the openapi
# package's BenchmarkCallOverhead compares toolgate with, into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/openapi-mcp-server.
# Not part of the test run: benchmarks only. Idempotent.
#
# Usage: scripts/bench/openapi-peer.sh   (prints the install directory)
set -euo pipefail
source "$(dirname "$0")/../lib/npm-tool.sh"

npm_tool openapi-mcp-server "@ivotoby/openapi-mcp-server@1.16.1"
