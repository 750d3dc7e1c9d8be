#!/usr/bin/env bash
# Installs everything sinq needs on a Debian machine: python3, nats-server, bubblewrap, python3-seccomp, Chromium, npm packages.
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }

missing=()
have python3 || missing+=(python3)
have nats-server || missing+=(nats-server)
have bwrap || missing+=(bubblewrap)
have flock || missing+=(util-linux) # flock(1) holds the engine's data directory lock
have setpriv || missing+=(util-linux)
# libseccomp's Python bindings build the sandbox's seccomp filter (sandbox/py/seccomp_filter.py);
# without them the sandbox refuses to run programs.
/usr/bin/python3 -c 'import seccomp' >/dev/null 2>&1 || missing+=(python3-seccomp)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get update -qq >/dev/null
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing ${missing[*]}; install them with your package manager (Debian: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

# Chromium for the headless browser tests (the report, the Temporal UI).
bash deploy/setup-chromium.sh

# npm ci only when the installed tree was not made from this lock file.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.sinq-lock-hash 2>/dev/null || true)" != "$lock_hash" ]; then
  echo "setup: npm ci" >&2
  npm ci --no-fund --no-audit --loglevel=error >&2
  echo "$lock_hash" > node_modules/.sinq-lock-hash
fi

bash deploy/setup-temporal.sh
