#!/usr/bin/env bash
# The main job: set everything up, then run a small campaign with the offline players on embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/setup.sh
exec node bin/sinq.js campaign run --config data/campaigns/quickstart.yaml "$@"
