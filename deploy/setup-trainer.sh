#!/usr/bin/env bash
# Installs the reference trainer's pinned Python packages (training/trainer/requirements.txt) into a
# project-local virtualenv, .sinq/tools/trainer-venv, with pip's cache beside it. Idempotent: the
# venv is reused while the requirements file is unchanged. Prints the venv's python on stdout.
#
# PyPI's Linux torch wheel pulls the CUDA libraries (~6 GB installed) even for CPU use; the CPU-only
# wheels live on an index these machines cannot reach. First install: ~6 min; cached: seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$PWD/.sinq/tools"
venv="$tools/trainer-venv"
requirements="training/trainer/requirements.txt"
stamp="$venv/.requirements-sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)

if [ -x "$venv/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$want" ]; then
  echo "$venv/bin/python"
  exit 0
fi

if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "setup-trainer: installing python3-venv" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
fi

start=$(date +%s)
echo "setup-trainer: installing $requirements into $venv" >&2
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
PIP_CACHE_DIR="$tools/pip-cache" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r "$requirements" >&2
echo "$want" > "$stamp"
echo "setup-trainer: done in $(( $(date +%s) - start ))s ($(du -sh "$venv" | cut -f1))" >&2
echo "$venv/bin/python"
