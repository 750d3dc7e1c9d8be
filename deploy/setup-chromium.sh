#!/usr/bin/env bash
# Installs Debian's Chromium (/usr/bin/chromium) for the headless browser tests (the report, the
# Temporal UI). Idempotent: when it is already there this only checks.
set -euo pipefail

[ -x /usr/bin/chromium ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-chromium: no apt-get; install Chromium so that /usr/bin/chromium exists" >&2
  exit 1
fi
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "setup-chromium: needs root or sudo to run: $*" >&2
    return 1
  fi
}
echo "setup: installing chromium" >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Another apt run (a second setup, unattended upgrades) may hold the lock: wait for it rather than fail.
for attempt in 1 2 3; do
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >"$log" 2>&1 &&
    as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium >>"$log" 2>&1; then
    exit 0
  fi
  sleep $((attempt * 5))
done
cat "$log" >&2
echo "setup-chromium: could not install chromium: apt-get install chromium" >&2
exit 1
