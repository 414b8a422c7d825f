#!/usr/bin/env bash
# Installs Debian's wordnet-base package (the WordNet 3.0 database files in
# /usr/share/wordnet), from which `go generate ./search/` builds the search
# index's embedded word relations (search/internal/wordnet), and against
# which search/wordnet_test.go checks that the committed table is what the
# generator makes. Like chromium.sh and nginx.sh it installs a system package:
# it needs apt-get and root (or sudo).
# Idempotent: it does nothing when /usr/share/wordnet/data.noun is already there.
#
# Usage: bash scripts/setup/wordnet.sh   (prints the database folder)
set -euo pipefail

dir=/usr/share/wordnet

if [ -f "$dir/data.noun" ]; then
	echo "$dir"
	exit 0
fi

command -v apt-get >/dev/null || { echo "wordnet.sh: apt-get is required (a Debian or Ubuntu machine)" >&2; exit 1; }
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || { echo "wordnet.sh: installing $dir needs root or sudo" >&2; exit 1; }
	sudo=(sudo)
fi

echo "wordnet.sh: $dir/data.noun is missing; installing Debian's wordnet-base package with apt-get" >&2
echo "wordnet.sh: apt-get update" >&2
"${sudo[@]}" apt-get update -q >&2
echo "wordnet.sh: apt-get install wordnet-base" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends wordnet-base >&2
[ -f "$dir/data.noun" ] || { echo "wordnet.sh: $dir/data.noun was not installed" >&2; exit 1; }
dpkg-query -W wordnet-base >&2
echo "$dir"
