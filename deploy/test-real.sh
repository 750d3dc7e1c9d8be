#!/usr/bin/env bash
# The suite of real components: builds (once, cached in .sinq/tools) the pinned Ollama and the
# trainer's virtualenv, then runs test-real/ against them. Ends with vitest's summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup-ollama.sh >/dev/null
bash deploy/setup-trainer.sh >/dev/null
mkdir -p .sinq
npx vitest run --config vitest.real.config.ts "$@"
