#!/usr/bin/env bash
# The main job: set everything up, then run a small campaign with the offline players (on the Temporal
# dev server setup installs; pass --temporal embedded for the embedded engine).
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
exec node bin/sinq.js campaign run --config data/campaigns/quickstart.yaml "$@"
