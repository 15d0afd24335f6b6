#!/usr/bin/env bash
# Runs every package's tests, after installing what they need.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_SETUP:-}" != 1 ]; then
  bash scripts/setup.sh "$@"
fi
# Node.js 22 from .node/ first on PATH, Yarn through corepack from npm's registry.
source scripts/env.sh
exec yarn test
