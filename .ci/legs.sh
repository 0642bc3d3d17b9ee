#!/usr/bin/env bash
# The other Node majors' tests (.ci/node-leg-files.txt on node@24, then node@26), run by .ci/run beside
# `npm test`'s soak, at nice 19 (`npm test -- --beside-soak`). Their builds of better-sqlite3 are made in
# the background by .ci/run (.ci/node-prep.sh); this waits for that step's exit status in LOGS (the
# directory .ci/run keeps its background steps' output in) and fails if it failed, so it can also run while
# that step is still going.
set -euo pipefail
LOGS=${1:?usage: legs.sh LOGS}
cd "$(dirname "$0")/.."
until [ -f "$LOGS/node-prep.rc" ]; do sleep 2; done
if [ "$(cat "$LOGS/node-prep.rc")" != 0 ]; then
  echo "the Node 24 and 26 builds failed (their output follows npm test's); no leg ran" >&2
  exit 1
fi
mapfile -t LEG_FILES < <(grep -v -e '^#' -e '^$' .ci/node-leg-files.txt)
# Both legs run even when the first fails: a CI run should report all it can.
rc=0
for MAJOR in 24 26; do
  echo "== test on Node $MAJOR (at ${SECONDS}s of this step)"
  bash .ci/node-leg.sh "$MAJOR" --retry=2 "${LEG_FILES[@]}" || { rc=1; echo "== Node $MAJOR: FAILED"; }
done
exit "$rc"
