# Sourced by scripts/setup.sh, test.sh, start.sh, check-packages.sh and .ci/run: the
# environment every command of this repository runs in.
# - Node.js 22 from .node/ (installed there by scripts/setup.sh when the machine's Node.js is
#   not 22 or 24) comes first on PATH;
# - Yarn 4 through corepack, from the registry npm is configured with (read at run time);
# - native modules (better-sqlite3) build against the running Node.js's own headers.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -x "$repo_root/.node/bin/node" ]; then
  case ":$PATH:" in
    *":$repo_root/.node/bin:"*) ;;
    *) export PATH="$repo_root/.node/bin:$PATH" ;;
  esac
fi
if [ -z "${COREPACK_NPM_REGISTRY:-}" ]; then
  # (asked from the repository root: in a workspace folder npm refuses config commands)
  _registry=$(cd "$repo_root" && npm config get registry)
  export COREPACK_NPM_REGISTRY="${_registry%/}"
  unset _registry
fi
export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER:-$COREPACK_NPM_REGISTRY}"
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
_node_dir=$(dirname "$(dirname "$(command -v node)")")
if [ -f "$_node_dir/include/node/node.h" ]; then
  # The headers of the Node.js that runs (not those of another version on the machine).
  export npm_config_nodedir="$_node_dir"
fi
unset _node_dir
