#!/usr/bin/env bash
# Runs the test suite again on another Node major, taken from the npm registry's `node` package.
# Native addons are rebuilt against that version's headers first, and back for the default Node after.
set -euo pipefail
MAJOR=${1:?usage: node-leg.sh MAJOR}
cd "$(dirname "$0")/.."
DIR=$(mktemp -d)
restore() {
  # NODE_LEG_RESTORE=0 skips rebuilding for the default Node (CI: nothing runs on it afterwards).
  if [ "${NODE_LEG_RESTORE:-1}" != 0 ]; then npm rebuild better-sqlite3 >/dev/null 2>&1 || true; fi
  rm -rf "$DIR"
}
trap restore EXIT
(cd "$DIR" && npm init -y >/dev/null && npm i --no-audit --no-fund "node@$MAJOR" >/dev/null 2>&1)
BIN="$DIR/node_modules/node/bin"
HEADERS=$(dirname "$(find "$DIR/node_modules" -path '*/include/node/node.h' | head -n 1)")/../..
[ -x "$BIN/node" ] || { echo "node@$MAJOR did not install" >&2; exit 1; }
echo "node $("$BIN/node" -v), headers in $(cd "$HEADERS" && pwd)"
PATH="$BIN:$PATH" npm rebuild better-sqlite3 --nodedir="$(cd "$HEADERS" && pwd)" >/dev/null
PATH="$BIN:$PATH" node -e "new (require('better-sqlite3'))(':memory:'); console.log('better-sqlite3 loads on', process.version)"
PATH="$BIN:$PATH" npx vitest run "${@:2}"
