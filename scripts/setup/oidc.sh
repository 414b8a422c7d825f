#!/usr/bin/env bash
# Installs the npm oidc-provider package used by internal/testenv/oidc into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/oidc. Idempotent: it does
# nothing when the pinned version is already installed.
#
# Usage: scripts/setup/oidc.sh        (prints the install directory)
set -euo pipefail
source "$(dirname "$0")/../lib/npm-tool.sh"

npm_tool oidc "oidc-provider@9.13.3"
