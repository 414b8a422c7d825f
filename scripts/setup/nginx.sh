#!/usr/bin/env bash
# Installs Debian's nginx package (the binary only; the test starts its own
# instance with its own configuration on 127.0.0.1), for the scale-out test
# (deploy/scaleout_test.go): several `toolgate serve` replicas behind nginx.
# It installs a system package: it needs apt-get and root (or sudo).
# Idempotent: it does nothing when /usr/sbin/nginx is already there.
#
# Usage: bash scripts/setup/nginx.sh   (prints the binary's path)
set -euo pipefail

bin=/usr/sbin/nginx

if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

command -v apt-get >/dev/null || { echo "nginx.sh: apt-get is required (a Debian or Ubuntu machine)" >&2; exit 1; }
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "nginx.sh: installing $bin needs root or sudo" >&2; exit 1; }
	sudo=(sudo)
fi

echo "nginx.sh: $bin is missing; installing Debian's nginx-light package with apt-get" >&2
"${sudo[@]}" apt-get update -q >&2
# The package's own service is not wanted: policy-rc.d keeps it from starting.
policy=/usr/sbin/policy-rc.d
had_policy=0
[ -e "$policy" ] && had_policy=1
if [ "$had_policy" -eq 0 ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod +x "$policy"
fi
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx-light >&2 ||
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nginx >&2
if [ "$had_policy" -eq 0 ]; then
	"${sudo[@]}" rm -f "$policy"
fi
[ -x "$bin" ] || { echo "nginx.sh: $bin was not installed" >&2; exit 1; }
"$bin" -v >&2
echo "$bin"
