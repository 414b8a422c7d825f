# Sourced by the scripts in this folder: MCP_DIR is where scripts/setup/mcp.sh
# installed the official MCP tools, and its Node 22 comes first on PATH.
MCP_DIR="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/mcp"
if [ ! -x "$MCP_DIR/node_modules/.bin/conformance" ] || [ ! -f "$MCP_DIR/client.mjs" ]; then
	echo "the official MCP tools are not installed in $MCP_DIR: run bash scripts/setup/mcp.sh" >&2
	exit 2
fi
export PATH="$MCP_DIR/node_modules/.bin:$PATH"
