#!/usr/bin/env bash
# Installs the AWS Lambda Runtime Interface Emulator (a Go module, built as a
# tool binary outside toolgate's go.mod), which the lambda package's tests
# use to run a real aws-lambda-go function behind the Lambda Invoke API, into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/lambda/aws-lambda-rie.
# Idempotent: it does nothing when the pinned version is already installed.
#
# Usage: scripts/setup/lambda.sh        (prints the binary's path)
set -euo pipefail

RIE_MODULE="github.com/aws/aws-lambda-runtime-interface-emulator"
RIE_VERSION="v0.0.0-20261030222936-bef5c4ba774d"

tools_dir="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}"
dir="$tools_dir/lambda"
bin="$dir/aws-lambda-rie"
marker="$dir/aws-lambda-rie.version"

command -v go >/dev/null || { echo "lambda.sh: go is required" >&2; exit 1; }

if [ -x "$bin" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$RIE_VERSION" ]; then
	echo "$bin"
	exit 0
fi

mkdir -p "$dir"
# Outside any module, so that toolgate's go.mod is neither read nor changed.
(cd "$dir" && GOBIN="$dir" GOFLAGS=-mod=mod GOWORK=off GO111MODULE=on CGO_ENABLED=0 \
	go install "$RIE_MODULE/cmd/aws-lambda-rie@$RIE_VERSION") >&2
[ -x "$bin" ] || { echo "lambda.sh: $bin was not installed" >&2; exit 1; }
echo "$RIE_VERSION" >"$marker"
echo "$bin"
