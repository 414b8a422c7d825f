#!/usr/bin/env bash
# Installs @stoplight/prism-cli, the validating mock server used by the
# openapi package's integration tests, into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/prism. Idempotent: it
# does nothing when the pinned version is already installed.
#
# Usage: scripts/setup/prism.sh        (prints the install directory; the
# binary is <dir>/node_modules/.bin/prism)
set -euo pipefail

PRISM_VERSION="5.16.0"

tools_dir="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}"
dir="$tools_dir/prism"
marker="$dir/node_modules/@stoplight/prism-cli/package.json"

command -v node >/dev/null || { echo "prism.sh: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "prism.sh: npm is required" >&2; exit 1; }

if [ -f "$marker" ] && grep -q "\"version\": \"$PRISM_VERSION\"" "$marker" && [ -x "$dir/node_modules/.bin/prism" ]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
if [ ! -f "$dir/package.json" ]; then
	printf '{\n  "name": "toolgate-prism-testenv",\n  "private": true\n}\n' >"$dir/package.json"
fi
npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error \
	"@stoplight/prism-cli@$PRISM_VERSION" >&2
grep -q "\"version\": \"$PRISM_VERSION\"" "$marker" || {
	echo "prism.sh: @stoplight/prism-cli@$PRISM_VERSION not installed in $dir" >&2
	exit 1
}
echo "$dir"
