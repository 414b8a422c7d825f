#!/usr/bin/env bash
# Installs the npm oidc-provider package used by internal/testenv/oidc into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/oidc. Idempotent: it does
# nothing when the pinned version is already installed.
#
# Usage: scripts/setup/oidc.sh        (prints the install directory)
set -euo pipefail

OIDC_PROVIDER_VERSION="9.13.3"

tools_dir="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}"
dir="$tools_dir/oidc"
marker="$dir/node_modules/oidc-provider/package.json"

command -v node >/dev/null || { echo "oidc.sh: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "oidc.sh: npm is required" >&2; exit 1; }

if [ -f "$marker" ] && grep -q "\"version\": \"$OIDC_PROVIDER_VERSION\"" "$marker"; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
if [ ! -f "$dir/package.json" ]; then
	printf '{\n  "name": "toolgate-oidc-testenv",\n  "private": true\n}\n' >"$dir/package.json"
fi
npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error \
	"oidc-provider@$OIDC_PROVIDER_VERSION" >&2
grep -q "\"version\": \"$OIDC_PROVIDER_VERSION\"" "$marker" || {
	echo "oidc.sh: oidc-provider@$OIDC_PROVIDER_VERSION not installed in $dir" >&2
	exit 1
}
echo "$dir"
