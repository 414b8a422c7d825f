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

DYNALITE_VERSION="4.0.0"
KINESALITE_VERSION="3.3.3"
S3RVER_VERSION="3.7.1"

tools_dir="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}"
dir="$tools_dir/smithy"

command -v node >/dev/null || { echo "smithy.sh: node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "smithy.sh: npm is required" >&2; exit 1; }

installed() {
	grep -q "\"version\": \"$2\"" "$dir/node_modules/$1/package.json" 2>/dev/null
}

if installed dynalite "$DYNALITE_VERSION" && installed kinesalite "$KINESALITE_VERSION" && installed s3rver "$S3RVER_VERSION"; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
if [ ! -f "$dir/package.json" ]; then
	printf '{\n  "name": "toolgate-smithy-testenv",\n  "private": true\n}\n' >"$dir/package.json"
fi
npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error \
	"dynalite@$DYNALITE_VERSION" "kinesalite@$KINESALITE_VERSION" "s3rver@$S3RVER_VERSION" >&2
for p in "dynalite $DYNALITE_VERSION" "kinesalite $KINESALITE_VERSION" "s3rver $S3RVER_VERSION"; do
	set -- $p
	installed "$1" "$2" || { echo "smithy.sh: $1@$2 not installed in $dir" >&2; exit 1; }
done
echo "$dir"
