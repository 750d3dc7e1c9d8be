#!/usr/bin/env bash
# Sets up and runs the whole test suite: typecheck, lint, vitest. Ends with a plain
# "N passed, N failed, N skipped" line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
mkdir -p .sinq
npm run --silent typecheck
npm run --silent lint
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.sinq/test-results.json "$@" || status=$?
node -e '
const r = JSON.parse(require("fs").readFileSync(".sinq/test-results.json", "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
' || true
exit $status
