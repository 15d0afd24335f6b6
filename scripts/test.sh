#!/usr/bin/env bash
# Runs every package's tests, after installing what they need.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${SKIP_SETUP:-}" != 1 ]; then
  bash scripts/setup.sh "$@"
fi
registry=$(npm config get registry)
export COREPACK_NPM_REGISTRY="${registry%/}" YARN_NPM_REGISTRY_SERVER="${registry%/}" COREPACK_ENABLE_DOWNLOAD_PROMPT=0
exec yarn test
