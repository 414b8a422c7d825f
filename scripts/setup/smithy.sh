#!/usr/bin/env bash
# Installs the AWS protocol servers used by the smithy package's live tests
# (dynalite: DynamoDB, awsJson1_0; kinesalite: Kinesis, awsJson1_1; s3rver:
# S3, restXml) into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/smithy. Idempotent: it
# does nothing when the pinned versions are already installed.
#
# Usage: scripts/setup/smithy.sh       (prints the install directory; the
# packages are under <dir>/node_modules)
set -euo pipefail
source "$(dirname "$0")/../lib/npm-tool.sh"

npm_tool smithy "dynalite@4.0.0" "kinesalite@3.3.3" "s3rver@3.7.1"
