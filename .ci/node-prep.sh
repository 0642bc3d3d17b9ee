#!/usr/bin/env bash
# Makes another Node major ready for `.ci/node-leg.sh`: installs it from the npm registry's `node` package
# into $NODE_LEG_HOME/node-MAJOR, and compiles better-sqlite3 for it beside the other majors' builds.
#
# Each major's addon goes to lib/binding/node-v<ABI>-<platform>-<arch>/ inside node_modules/better-sqlite3,
# the directory its loader (the `bindings` package) looks in after build/, and the default Node's build is
# moved there too. Every Node then finds its own addon: nothing is rebuilt or swapped back between legs, so
# legs can run at once and be prepared in the background while other work runs. The compile (SQLite's
# amalgamation, at -O1: see below) is under a minute of one core.
set -euo pipefail
MAJOR=${1:?usage: node-prep.sh MAJOR}
cd "$(dirname "$0")/.."
HOME_DIR=${NODE_LEG_HOME:-${TMPDIR:-/tmp}/logwarden-node-legs}
DIR="$HOME_DIR/node-$MAJOR"
ADDON=node_modules/better-sqlite3

# The default Node's own build moves out of build/ first: a build/Release addon of another ABI stops the
# loader with an error instead of letting it look further.
park_default_build() {
  local built="$ADDON/build/Release/better_sqlite3.node"
  [ -f "$built" ] || return 0
  local target
  target="$ADDON/lib/binding/$(node -p '`node-v${process.versions.modules}-${process.platform}-${process.arch}`')"
  mkdir -p "$target"
  mv "$built" "$target/better_sqlite3.node"
}

if [ ! -x "$DIR/node_modules/node/bin/node" ]; then
  mkdir -p "$DIR"
  (cd "$DIR" && { [ -f package.json ] || npm init -y >/dev/null; } && npm i --no-audit --no-fund "node@$MAJOR" >/dev/null 2>&1)
fi
BIN="$DIR/node_modules/node/bin"
[ -x "$BIN/node" ] || { echo "node@$MAJOR did not install" >&2; exit 1; }
HEADERS=$(cd "$(dirname "$(find "$DIR/node_modules" -path '*/include/node/node.h' | head -n 1)")/../.." && pwd)
SLOT="$ADDON/lib/binding/$("$BIN/node" -p '`node-v${process.versions.modules}-${process.platform}-${process.arch}`')"

park_default_build
if [ ! -f "$SLOT/better_sqlite3.node" ]; then
  # Compiled in a copy, so the addon in node_modules is never half-built while another leg loads it.
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  cp -r "$ADDON/." "$WORK"
  rm -rf "$WORK/build" "$WORK/lib/binding"
  # build-release is `node-gyp rebuild --release` with npm's own node-gyp (no prebuilt download tried);
  # the headers go as npm configuration: npm hands its own `nodedir` to node-gyp, and that wins over an
  # argument. -O1 instead of better-sqlite3's -O3 (gyp puts CFLAGS last, and the last -O wins): SQLite's
  # amalgamation then compiles in about 18 s of CPU instead of 49 (this machine, gcc 12), and these builds
  # compile while CI's unit suite runs on the same two cores. The legs test what a Node major can break
  # (the addon's API and ABI, I/O, module loading), which the optimisation level does not change.
  (cd "$WORK" && CFLAGS=-O1 CXXFLAGS=-O1 PATH="$BIN:$PATH" npm run build-release --silent --nodedir="$HEADERS" >"$WORK/gyp.log" 2>&1) ||
    { tail -n 30 "$WORK/gyp.log" >&2; exit 1; }
  mkdir -p "$SLOT.tmp"
  cp "$WORK/build/Release/better_sqlite3.node" "$SLOT.tmp/"
  rm -rf "$SLOT" && mv "$SLOT.tmp" "$SLOT"
fi
PATH="$BIN:$PATH" node -e "new (require('better-sqlite3'))(':memory:'); console.log('better-sqlite3 loads on', process.version)"
