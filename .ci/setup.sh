#!/usr/bin/env bash
# Prepare this machine for Baton: npm packages (only when the lock file changed), the build, and —
# with --system — the system packages the tests need (apt-get, as root), starting daemons that are
# not running. Idempotent: a second run does almost nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM=0
for a in "$@"; do [ "$a" = "--system" ] && SYSTEM=1; done

log() { printf '[setup] %s\n' "$*" >&2; }

# System packages the tests and benchmarks need (haproxy: marathon-lb and the VIP data plane;
# python3-marathon: the conformance suite's Python client; chromium: the dashboard's browser tests;
# prometheus: scraping the engine's /metrics). Each entry: <what proves it is there: a command, or
# a file>:<Debian package>.
SYSTEM_NEEDS=(dockerd:docker.io busybox:busybox-static openssl:openssl haproxy:haproxy
  /usr/lib/python3/dist-packages/marathon/client.py:python3-marathon chromium:chromium
  prometheus:prometheus)

have() { case "$1" in /*) [ -e "$1" ] ;; *) command -v "$1" >/dev/null 2>&1 ;; esac; }

if [ "$SYSTEM" = 1 ] && [ "${#SYSTEM_NEEDS[@]}" -gt 0 ]; then
  missing=()
  for need in "${SYSTEM_NEEDS[@]}"; do
    cmd=${need%%:*}; pkg=${need##*:}
    have "$cmd" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then log "need root to install: ${missing[*]}"; exit 1; fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

# dockerd: started when it does not answer (this machine kind boots without it), then the offline
# test images are built (FROM scratch around the static busybox).
if [ "$SYSTEM" = 1 ]; then
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd (log: /tmp/baton-dockerd.log)"
    nohup dockerd > /tmp/baton-dockerd.log 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { log "dockerd did not start:"; tail -20 /tmp/baton-dockerd.log >&2; exit 1; }
  fi
  bash test/fixtures/images/build.sh
fi

# npm packages: `npm ci` when node_modules is missing or older than the lock file (which changes
# whenever a dependency does; editing scripts in package.json needs no reinstall).
stamp=node_modules/.baton-install-stamp
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  log "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

log "building (tsc, then the CLI bundle)"
npx --no-install tsc -p tsconfig.json
node .ci/bundle.mjs
chmod +x dist/bin/baton.js
