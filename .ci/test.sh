#!/usr/bin/env bash
# The one test command (README, `npm test`, CI): set up everything the tests need, then run them all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh --system
exec npx --no-install vitest run "$@"
