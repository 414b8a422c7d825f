#!/usr/bin/env bash
# Installs Debian's chromium package, whose headless mode the status page's
# browser test (statuspage_chromium_test.go) drives at /usr/bin/chromium,
# with fonts-liberation for legible screenshots. Unlike the other installers
# it installs a system package: it needs apt-get and root (or sudo).
# Idempotent: it does nothing when /usr/bin/chromium is already there.
#
# Usage: bash scripts/setup/chromium.sh   (prints the binary's path)
set -euo pipefail

bin=/usr/bin/chromium

if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

command -v apt-get >/dev/null || { echo "chromium.sh: apt-get is required (a Debian or Ubuntu machine)" >&2; exit 1; }
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "chromium.sh: installing $bin needs root or sudo" >&2; exit 1; }
	sudo=(sudo)
fi

echo "chromium.sh: $bin is missing; installing Debian's chromium package with apt-get" >&2
echo "chromium.sh: apt-get update" >&2
"${sudo[@]}" apt-get update -q >&2
echo "chromium.sh: apt-get install chromium fonts-liberation" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-liberation >&2
[ -x "$bin" ] || { echo "chromium.sh: $bin was not installed" >&2; exit 1; }
"$bin" --version >&2
echo "$bin"
