#!/usr/bin/env bash
# Builds a pinned Ollama from the Go module proxy (CPU-only, cgo) into .sinq/tools/ollama/bin.
# Idempotent: a cached binary of the pinned version is reused. Prints the binary's path on stdout.
#
# Why the extra headers: Go module zips drop every `vendor/` directory, and Ollama's copy of
# llama.cpp keeps nlohmann/json, stb_image and miniaudio there. Debian ships the first two
# (nlohmann-json3-dev, libstb-dev); miniaudio's single header comes from the pinned sdist of the
# `miniaudio` package on PyPI, which bundles it.
set -euo pipefail
cd "$(dirname "$0")/.."

OLLAMA_VERSION="${SINQ_OLLAMA_VERSION:-v0.13.5}"
MINIAUDIO_SDIST_VERSION="1.71" # bundles miniaudio 0.11.x, the series llama.cpp uses
root="$PWD/.sinq/tools/ollama"
bin="$root/bin/ollama"
stamp="$root/bin/.version"

if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null || true)" = "$OLLAMA_VERSION" ]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "setup-ollama: go is required (Go >= 1.24)" >&2; exit 1; }

need=()
[ -f /usr/include/nlohmann/json_fwd.hpp ] || need+=(nlohmann-json3-dev)
[ -f /usr/include/stb/stb_image.h ] || need+=(libstb-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-ollama: installing ${need[*]}" >&2
  sudo_=""; [ "$(id -u)" = 0 ] || sudo_="sudo"
  $sudo_ apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

headers="$root/include"
if [ ! -f "$headers/miniaudio/miniaudio.h" ]; then
  mkdir -p "$root/sdist" "$headers/miniaudio"
  python3 -m pip download --quiet --no-binary :all: --no-deps \
    "miniaudio==$MINIAUDIO_SDIST_VERSION" -d "$root/sdist" >&2
  tar -xzf "$root/sdist/miniaudio-$MINIAUDIO_SDIST_VERSION.tar.gz" -C "$root/sdist"
  cp "$root/sdist/miniaudio-$MINIAUDIO_SDIST_VERSION/miniaudio/miniaudio.h" "$headers/miniaudio/"
fi

echo "setup-ollama: building ollama $OLLAMA_VERSION (CPU, cgo; ~6 min on 2 cores)" >&2
mkdir -p "$root/gopath" "$root/gocache" "$root/bin"
start=$(date +%s)
env GOPATH="$root/gopath" GOCACHE="$root/gocache" GOFLAGS=-modcacherw GOBIN="$root/bin" \
  CGO_ENABLED=1 CGO_CPPFLAGS="-I$headers -I/usr/include/nlohmann/.." \
  go install "github.com/ollama/ollama@$OLLAMA_VERSION" >&2
echo "$OLLAMA_VERSION" > "$stamp"
echo "setup-ollama: built in $(( $(date +%s) - start ))s" >&2
echo "$bin"
