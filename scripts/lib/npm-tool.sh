# Sourced by the installers of npm packages that tests and benchmarks run.
#
# npm_tool NAME PACKAGE@VERSION...
#   installs the pinned packages into
#   ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/NAME, unless every one
#   is already there at its version, and prints that directory. Progress goes
#   to stderr.

# npm_tool_has DIR PACKAGE@VERSION...: all installed at their versions?
npm_tool_has() {
	local dir=$1 spec
	shift
	for spec in "$@"; do
		grep -q "\"version\": \"${spec##*@}\"" "$dir/node_modules/${spec%@*}/package.json" 2>/dev/null || return 1
	done
}

npm_tool() {
	local name=$1
	shift
	local dir="${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/$name"
	command -v node >/dev/null || { echo "$name: node is required" >&2; return 1; }
	command -v npm >/dev/null || { echo "$name: npm is required" >&2; return 1; }
	if npm_tool_has "$dir" "$@"; then
		echo "$dir"
		return 0
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/package.json" ]; then
		printf '{\n  "name": "toolgate-%s-tools",\n  "private": true\n}\n' "$name" >"$dir/package.json"
	fi
	npm install --prefix "$dir" --no-audit --no-fund --save-exact --loglevel=error "$@" >&2
	npm_tool_has "$dir" "$@" || { echo "$name: $* not installed in $dir" >&2; return 1; }
	echo "$dir"
}
