/**
 * What sealing costs a line, merging batch rows into one segment against sealing a large row on its own:
 * the segment store's batch rows (5,000-line NDJSON bodies of the bench:ingest corpus, decoded, mined and
 * encoded at brotli quality 0 as the build thread does) sealed three ways, in turns, CPU µs a line (this
 * process's user + system time) and bytes a line of what they write:
 *
 * - `merged`: three rows at a time into one segment (15,000 lines, under LOG_SEGMENT_LINES' 16,384) through
 *   their decoded rows (`resealMerged`: each row decoded, the segment's columns built again, compressed at
 *   quality 5, its digit filter made): what sealing did with every batch before, and still does with rows
 *   under 4,096 lines;
 * - `merged-1`: each row alone into a segment of its own, the same way;
 * - `whole`: each row through `resealPieces`, which seals a row of 4,096 lines or more on its own by
 *   decompressing its five blocks and compressing them again at quality 5 with its digit filter: no
 *   decode, no column built again. Checked first: the bytes `merged-1` writes, for every row.
 *
 *   npx tsx bench/seal-whole-rows.ts [--bodies=30] [--rounds=5]
 *
 * Prints only; docs are left alone (docs/architecture.md quotes a run).
 */
import type { ParsedRecord } from "../src/core/log-record.js";
import { FilledSegment, resealPieces } from "../src/store/columnar/index.js";
import { resealMerged } from "../src/store/columnar/segment-reseal.js";
import { eachSegmentRecord } from "../src/store/segments/record-codec.js";
import { minedIngestBodies } from "./lib/mined-bodies.js";
import { median } from "./lib/report.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const ROUNDS = Number(arg("rounds") ?? 5);
const SEGMENT_LINES = 16_384;
const SEALED = { quality: 5 };

const mined: ParsedRecord[][] = minedIngestBodies(Number(arg("bodies") ?? 30));
let nextRef = 1;
const rows = mined.map((records) => {
  const row = new FilledSegment(nextRef, records.length);
  eachSegmentRecord(records, row.add);
  nextRef += records.length;
  return row.encode({ quality: 0 }).data;
});
const lines = nextRef - 1;

const ways: Record<string, () => Promise<Uint8Array[]>> = {
  merged: async () => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < rows.length; i += 3)
      out.push(...(await resealMerged(rows.slice(i, i + 3), SEGMENT_LINES, SEALED, true)));
    return out;
  },
  "merged-1": async () => {
    const out: Uint8Array[] = [];
    for (const row of rows) out.push(...(await resealMerged([row], SEGMENT_LINES, SEALED, true)));
    return out;
  },
  whole: async () => {
    const out: Uint8Array[] = [];
    for (const row of rows) out.push(...(await resealPieces([row], SEGMENT_LINES, SEALED, true)));
    return out;
  },
};

// The claim above, checked on every row before anything is timed.
let same = 0;
for (const row of rows) {
  const [merged] = await resealMerged([row], SEGMENT_LINES, SEALED, true);
  const [whole] = await resealPieces([row], SEGMENT_LINES, SEALED, true);
  if (merged !== undefined && whole !== undefined && Buffer.from(merged).equals(whole)) same++;
}

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const us = new Map<string, number[]>(Object.keys(ways).map((w) => [w, []]));
const bytes = new Map<string, number>();
const names = Object.keys(ways);
for (let round = 0; round < ROUNDS; round++) {
  for (let k = 0; k < names.length; k++) {
    const name = names[(k + round) % names.length]!;
    const t0 = cpuMicros();
    const written = await ways[name]!();
    us.get(name)!.push((cpuMicros() - t0) / lines);
    bytes.set(
      name,
      written.reduce((sum, s) => sum + s.length, 0),
    );
  }
}
const rowBytes = rows.reduce((sum, r) => sum + r.length, 0);
console.log(
  `${lines.toLocaleString("en")} lines in ${rows.length} batch rows (${(rowBytes / lines).toFixed(2)} bytes a line at quality 0), ${ROUNDS} rounds, medians`,
);
console.log(`whole writes the bytes merged-1 writes: ${same} of ${rows.length} rows`);
const base = median(us.get("merged")!);
for (const name of names) {
  const m = median(us.get(name)!);
  console.log(
    `${name.padEnd(11)} ${m.toFixed(3)} µs a line (${(m / base).toFixed(2)}x merged)  ${(bytes.get(name)! / lines).toFixed(2)} bytes a line`,
  );
}
