#!/usr/bin/env bash
# Runs the test suite again on another Node major, taken from the npm registry's `node` package, with
# better-sqlite3 compiled for it (.ci/node-prep.sh, which this runs first: it returns at once when that
# major is ready). Arguments after the major go to vitest. When LOGWARDEN_FAILED_TESTS_FILE names a file
# (`npm test` names one for the command it runs beside the soak), the failed tests go there too, for the
# closing digest of scripts/run-tests.mjs.
set -euo pipefail
MAJOR=${1:?usage: node-leg.sh MAJOR [vitest arguments]}
cd "$(dirname "$0")/.."
bash .ci/node-prep.sh "$MAJOR"
BIN="${NODE_LEG_HOME:-${TMPDIR:-/tmp}/logwarden-node-legs}/node-$MAJOR/node_modules/node/bin"
REPORT=()
[ -n "${LOGWARDEN_FAILED_TESTS_FILE:-}" ] && REPORT=(--reporter=default --reporter=./scripts/failed-tests-reporter.mjs)
PATH="$BIN:$PATH" npx vitest run "${@:2}" "${REPORT[@]}"
