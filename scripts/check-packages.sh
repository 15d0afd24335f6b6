#!/usr/bin/env bash
# Proves that every public package publishes: Backstage's publish metadata is in sync
# (backstage-cli repo fix --publish --check), each package builds and packs, its dependencies are
# what its built code imports, and all tarballs install with npm into a scratch project outside the
# repository (beside an app one Backstage release behind), where each entry point loads.
# Run by .ci/run; set KEEP_SCRATCH=1 to keep the scratch project of a failed run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/env.sh
source scripts/env.sh
printf '\033[1m==> %s\033[0m\n' "Checking package metadata (backstage-cli repo fix --publish --check)" >&2
yarn backstage-cli repo fix --publish --check
printf '\033[1m==> %s\033[0m\n' "Building the packages" >&2
yarn backstage-cli repo build
exec node scripts/check-packages.mjs
