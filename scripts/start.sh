#!/usr/bin/env bash
# Starts the example backend (packages/backend) against local Mercurial repositories:
#   1. set-up: Mercurial, Yarn, dependencies (skipped with SKIP_SETUP=1);
#   2. (re)builds the demo repositories from packages/backend/demo/repositories/<name>/ into
#      packages/backend/.hg-demo/repos/demo/<name> (git-ignored);
#   3. serves them with hg serve on http://127.0.0.1:$HG_DEMO_PORT (default 8000);
#   4. builds the portal (packages/app, Backstage's new frontend system) into packages/app/dist;
#   5. with DEMO_DB=postgres, starts a PostgreSQL and a Redis for the backend (data in
#      packages/backend/.hg-demo/postgres and redis, on free ports or DEMO_PG_PORT and
#      DEMO_REDIS_PORT) and adds packages/backend/app-config.postgres.yaml; otherwise the backend
#      runs on SQLite in memory;
#   6. runs the backend on http://localhost:7007, which also serves the portal, until Ctrl-C;
#      hg serve (and PostgreSQL and Redis) stop with it.
set -euo pipefail
cd "$(dirname "$0")/.."
repo_root=$(pwd)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
  printf '\033[31mError: %s\033[0m\n' "$*" >&2
  exit 1
}

if [ "${SKIP_SETUP:-}" != 1 ]; then
  SETUP_NO_BROWSER=1 bash scripts/setup.sh
fi
# Node.js 22 from .node/ first on PATH, Yarn through corepack from npm's registry.
source scripts/env.sh

command -v mkdocs >/dev/null ||
  log "Note: mkdocs is not installed, so TechDocs cannot build the demo docs (apt-get install mkdocs)"

demo_db=${DEMO_DB:-sqlite}
case "$demo_db" in
  sqlite | postgres) ;;
  *) die "DEMO_DB must be sqlite (the default) or postgres, not '$demo_db'" ;;
esac

port=${HG_DEMO_PORT:-8000}
[[ "$port" =~ ^[0-9]+$ ]] || die "HG_DEMO_PORT must be a port number, not '$port'"
export HG_DEMO_PORT=$port # read by packages/backend/app-config.yaml
backend_port=7007
base_url=http://127.0.0.1:$port
backend_dir=$repo_root/packages/backend
work=$backend_dir/.hg-demo
repos=$work/repos
export HG_DEMO_ROOT=$repos # localRoot of the demo integration: publish:hg creates repositories there

# True when something accepts connections on 127.0.0.1:$1.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
listening "$port" && die "port $port is already in use (another hg serve?); set HG_DEMO_PORT to a free port"
listening "$backend_port" && die "port $backend_port is already in use (another backend?)"
if [ "$demo_db" = postgres ]; then
  for name in DEMO_PG_PORT DEMO_REDIS_PORT; do
    value=${!name:-}
    [ -z "$value" ] && continue
    [[ "$value" =~ ^[0-9]+$ ]] || die "$name must be a port number, not '$value'"
    listening "$value" && die "port $value ($name) is already in use; leave $name unset for a free port"
  done
fi

log "Building the demo Mercurial repositories in ${repos#"$repo_root"/}"
mkdir -p "$work" "$backend_dir/.cache/work" "$backend_dir/.cache/techdocs"
(cd "$backend_dir" && node -r @backstage/cli/config/nodeTransform.cjs scripts/demo-repos.ts "$repos" "$base_url")

log "Building the portal (packages/app)"
(cd "$repo_root/packages/app" && NODE_ENV=production "$repo_root/node_modules/.bin/backstage-cli" package build >"$work/app-build.log" 2>&1) ||
  { tail -n 40 "$work/app-build.log" >&2; die "the portal did not build (log: ${work#"$repo_root"/}/app-build.log)"; }

cat >"$work/web.conf" <<EOF
# Written by scripts/start.sh: the demo hgweb server (hg serve --web-conf).
[paths]
/ = "$repos/**"

[web]
allow-archive = gz zip bz2
refreshinterval = 0
EOF

# Everything started below is stopped when this script ends, however it ends: Ctrl-C, kill,
# the backend exiting or failing. Each runs in a process group of its own (job control), so the
# whole group is signalled.
set -m
hg_pid=
services_pid=
backend_pid=
watcher_pid=
stop_group() { # pid: SIGTERM to its group, SIGKILL after 15 seconds
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local status=$?
  # A second Ctrl-C or kill (yarn, timeout and the terminal signal the whole group) must not cut
  # the clean-up short; whatever resists is killed with SIGKILL after 15 seconds anyway.
  trap '' INT TERM HUP
  trap - EXIT
  if [ -n "${watcher_pid:-}" ]; then
    kill -TERM -- "-$watcher_pid" 2>/dev/null || true
  fi
  if [ -n "$backend_pid" ]; then
    log "Stopping the backend"
    stop_group "$backend_pid"
  fi
  if [ -n "$services_pid" ]; then
    log "Stopping PostgreSQL and Redis"
    stop_group "$services_pid"
    rm -f "$work/services.env"
  fi
  if [ -n "$hg_pid" ]; then
    log "Stopping hg serve"
    stop_group "$hg_pid"
  fi
  exec 8>&- 9>&-
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log "Serving them with hg serve on $base_url (log: ${work#"$repo_root"/}/hg-serve.log)"
# hg serve reads its stdin from a pipe whose only writer is this script (fd 9): when the script is
# gone, even killed with SIGKILL, the watchdog extension sees end of file and exits hg serve.
rm -f "$work/hg-serve.stdin"
mkfifo "$work/hg-serve.stdin"
# HGDEMANDIMPORT=disable: with hg's lazy imports, concurrent first requests can fail in hg serve's
# threads ("module 'email.parser' has no attribute 'Parser'").
HGRCPATH= HGPLAIN=1 HGENCODING=utf-8 HGDEMANDIMPORT=disable hg serve --web-conf "$work/web.conf" -a 127.0.0.1 -p "$port" \
  --config "extensions.parentwatchdog=$backend_dir/scripts/hg_parent_watchdog.py" \
  <"$work/hg-serve.stdin" >"$work/hg-serve.log" 2>&1 &
hg_pid=$!
exec 9>"$work/hg-serve.stdin"
rm -f "$work/hg-serve.stdin"
for ((i = 0; i < 150; i++)); do
  kill -0 "$hg_pid" 2>/dev/null || {
    cat "$work/hg-serve.log" >&2
    hg_pid=
    die "hg serve exited"
  }
  listening "$port" && break
  sleep 0.1
done
listening "$port" || die "hg serve did not listen on port $port within 15 seconds (see $work/hg-serve.log)"

configs=(--config app-config.yaml)
if [ "$demo_db" = postgres ]; then
  log "Starting PostgreSQL and Redis for the backend (data in ${work#"$repo_root"/}/postgres and redis)"
  # The helpers of the tests (@backstage-mercurial/test-utils): a fresh cluster every start, as an
  # unprivileged user when this runs as root. Their stdin is a pipe whose only writer is this script
  # (fd 8), as for hg serve: they stop when the script is gone, even killed with SIGKILL.
  services_env=$work/services.env
  rm -f "$services_env" "$work/services.stdin"
  mkfifo "$work/services.stdin"
  (cd "$backend_dir" && exec node -r @backstage/cli/config/nodeTransform.cjs scripts/demo-services.ts "$work" "$services_env") \
    <"$work/services.stdin" >"$work/services.log" 2>&1 9>&- &
  services_pid=$!
  exec 8>"$work/services.stdin"
  rm -f "$work/services.stdin"
  for ((i = 0; i < 600; i++)); do
    [ -f "$services_env" ] && break
    kill -0 "$services_pid" 2>/dev/null || {
      cat "$work/services.log" >&2
      services_pid=
      die "PostgreSQL or Redis did not start (log: ${work#"$repo_root"/}/services.log)"
    }
    sleep 0.1
  done
  [ -f "$services_env" ] || die "PostgreSQL and Redis did not start within 60 seconds (log: ${work#"$repo_root"/}/services.log)"
  # DEMO_PG_HOST, DEMO_PG_PORT, DEMO_PG_USER, DEMO_PG_PASSWORD, DEMO_REDIS_URL: read by
  # packages/backend/app-config.postgres.yaml.
  set -a
  # shellcheck disable=SC1090
  source "$services_env"
  set +a
  log "PostgreSQL $DEMO_PG_VERSION on $DEMO_PG_HOST:$DEMO_PG_PORT (user $DEMO_PG_USER), Redis on $DEMO_REDIS_URL"
  configs+=(--config app-config.postgres.yaml)
fi

stops="hg serve"
[ "$demo_db" = postgres ] && stops="hg serve, PostgreSQL and Redis"
log "Starting the backend on http://localhost:$backend_port (Ctrl-C stops it, $stops)"
cd "$backend_dir"
# Not through yarn, so that the signals reach backstage-cli directly. No stdin: backstage-cli
# would restart the backend on every line typed.
"$repo_root/node_modules/.bin/backstage-cli" package start "${configs[@]}" </dev/null 8>&- 9>&- &
backend_pid=$!
# Should this script be killed without its trap running (kill -9), this watcher stops the backend
# (hg serve, PostgreSQL and Redis stop by themselves, see above). In a process group of its own,
# like the others.
script_pid=$$
(
  while kill -0 "$script_pid" 2>/dev/null; do sleep 1; done
  kill -TERM -- "-$backend_pid" 2>/dev/null
) </dev/null >/dev/null 2>&1 8>&- 9>&- &
watcher_pid=$!
set +m # no "Terminated" job notices; the process groups stay

while kill -0 "$backend_pid" 2>/dev/null && ! listening "$backend_port"; do
  sleep 1
done
if kill -0 "$backend_pid" 2>/dev/null; then
  log "The portal is up: open http://localhost:$backend_port (Enter signs in as the guest user)"
  log "The backend's APIs; try:"
  cat >&2 <<EOF
  curl 'http://localhost:$backend_port/api/catalog/entities?filter=kind=component'
  curl 'http://localhost:$backend_port/api/catalog/entities?filter=kind=template'
  curl 'http://localhost:$backend_port/api/techdocs/sync/default/component/hg-demo-service'
  curl 'http://localhost:$backend_port/api/techdocs/static/docs/default/component/hg-demo-service/index.html'
  hgweb: $base_url/

EOF
fi
status=0
wait "$backend_pid" || status=$?
backend_pid=
exit "$status"
