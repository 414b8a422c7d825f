#!/usr/bin/env bash
# Installs @stoplight/prism-cli, the validating mock server used by the
# openapi package's integration tests, into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/prism. Idempotent: it
# does nothing when the pinned version is already installed.
#
# Usage: scripts/setup/prism.sh        (prints the install directory; the
# binary is <dir>/node_modules/.bin/prism)
set -euo pipefail
source "$(dirname "$0")/../lib/npm-tool.sh"

dir=$(npm_tool prism "@stoplight/prism-cli@5.16.0")
[ -x "$dir/node_modules/.bin/prism" ] || { echo "prism.sh: no $dir/node_modules/.bin/prism" >&2; exit 1; }
echo "$dir"
