#!/usr/bin/env bash
# Sets up and runs the whole test suite: typecheck, lint, vitest (the workflow suites on the embedded
# engine and on the real Temporal dev server), then the real-component suite (test-real/: Ollama and
# the trainer). Ends with a plain "N passed, N failed, N skipped" line over all of them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
mkdir -p .sinq
npm run --silent typecheck
npm run --silent lint
status=0
rm -f .sinq/test-results-dev-server.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.sinq/test-results.json "$@" || status=$?
# The workflow suites a second time against the real Temporal dev server (SINQ_TEST_SERVER).
[ $# -gt 0 ] || SINQ_TEST_SERVER=dev-server npx vitest run --reporter=default --reporter=json --outputFile.json=.sinq/test-results-dev-server.json test/engine/conformance.test.ts test/engine/crash.test.ts test/workflows test/campaign/faults.test.ts test/training/campaign-training.test.ts || status=$?
# The real components: the pinned Ollama and the trainer (built and cached by test-real.sh).
rm -f .sinq/test-results-real.json
[ $# -gt 0 ] || bash deploy/test-real.sh --reporter=default --reporter=json --outputFile.json=.sinq/test-results-real.json || status=$?
node -e '
const fs = require("fs");
const files = [".sinq/test-results.json", ".sinq/test-results-dev-server.json", ".sinq/test-results-real.json"].filter((f) => fs.existsSync(f));
const t = { p: 0, f: 0, s: 0 };
for (const f of files) { const r = JSON.parse(fs.readFileSync(f, "utf8")); t.p += r.numPassedTests; t.f += r.numFailedTests; t.s += r.numPendingTests + r.numTodoTests; }
console.log(`${t.p} passed, ${t.f} failed, ${t.s} skipped`);
' || true
exit $status
