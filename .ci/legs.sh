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
# The two legs run side by side, two files at a time each: beside the soak they share the core it leaves
# (at nice 19), and after it ends each has a core, where one after the other they ran 140 s past the soak.
# Each leg's output is kept in a file and printed when both are done, so the logs do not interleave. Both
# run even when one fails: a CI run should report all it can.
OUT=$(mktemp -d)
declare -A LEG_PIDS=()
for MAJOR in 24 26; do
  (
    echo "== test on Node $MAJOR (from ${SECONDS}s of this step)"
    # Each leg reports its failures to a file of its own (two reporters rewriting one file could race);
    # they are merged into the one `npm test` reads (LOGWARDEN_FAILED_TESTS_FILE) below.
    LOGWARDEN_FAILED_TESTS_FILE=${LOGWARDEN_FAILED_TESTS_FILE:+$OUT/$MAJOR.report.json} \
      bash .ci/node-leg.sh "$MAJOR" --retry=2 --maxWorkers=2 "${LEG_FILES[@]}"
  ) >"$OUT/$MAJOR.log" 2>&1 &
  LEG_PIDS[$MAJOR]=$!
done
rc=0
for MAJOR in 24 26; do
  leg_rc=0
  wait "${LEG_PIDS[$MAJOR]}" || leg_rc=$?
  cat "$OUT/$MAJOR.log"
  if [ "$leg_rc" != 0 ]; then
    rc=1
    echo "== Node $MAJOR: FAILED"
  fi
done
if [ -n "${LOGWARDEN_FAILED_TESTS_FILE:-}" ]; then
  node -e '
    const fs = require("node:fs");
    const [target, ...parts] = process.argv.slice(1);
    const all = fs.existsSync(target) ? JSON.parse(fs.readFileSync(target, "utf8")) : {};
    for (const part of parts.filter((p) => fs.existsSync(p))) {
      const r = JSON.parse(fs.readFileSync(part, "utf8"));
      for (const key of ["failed", "unhandled", "skipLines", "skippedFiles"])
        all[key] = [...(all[key] ?? []), ...(r[key] ?? [])];
    }
    fs.writeFileSync(target, JSON.stringify(all));
  ' "$LOGWARDEN_FAILED_TESTS_FILE" "$OUT/24.report.json" "$OUT/26.report.json"
fi
rm -rf "$OUT"
exit "$rc"
