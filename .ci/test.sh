#!/usr/bin/env bash
# The one test command (README, `npm test`, CI): set up everything the tests need, check format and
# lint, type-check everything (tests and example plugins too), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/setup.sh --system
npm run --silent lint
npm run --silent typecheck
exec npx --no-install vitest run "$@"
