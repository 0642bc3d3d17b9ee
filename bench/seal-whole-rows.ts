/**
 * What sealing costs a line, and what it would cost to seal a large batch row on its own: the segment
 * store's batch rows (5,000-line NDJSON bodies of the bench:ingest corpus, decoded, mined and encoded at
 * brotli quality 0 as the build thread does) sealed three ways, in turns, CPU µs a line (this process's
 * user + system time) and bytes a line of what they write:
 *
 * - `reseal`: three rows at a time into one segment (15,000 lines, under LOG_SEGMENT_LINES' 16,384): what
 *   `sealBatches` does now (`resealPieces`: each row decoded, the segment's columns built again, compressed
 *   at quality 5, its digit filter made);
 * - `reseal-1`: each row alone into a segment of its own, the same way;
 * - `recompress`: each row's five blocks decompressed and compressed again at quality 5, its digit filter
 *   made from them: no decode, no column rebuilt. A row alone re-encodes to the same blocks (`SegmentBuilder`
 *   gives the same bytes from decoded rows as from records), so this writes what `reseal-1` writes.
 *
 *   npx tsx bench/seal-whole-rows.ts [--bodies=30] [--rounds=5]
 *
 * Prints only; docs are left alone (docs/architecture.md quotes a run).
 */
import { loadConfig } from "../src/config/load.js";
import type { ParsedRecord } from "../src/core/log-record.js";
import { createMiner } from "../src/parsers/create-miner.js";
import { Processor } from "../src/pipeline/processor.js";
import { type IngestLog, recordFromIngestLog } from "../src/service/ingest.js";
import { digitFilterBlock } from "../src/store/columnar/digit-runs.js";
import { FilledSegment, resealPieces } from "../src/store/columnar/index.js";
import {
  BLOCK_NAMES,
  packBlocks,
  readBlock,
  type SegmentBlocks,
} from "../src/store/columnar/segment-blocks.js";
import { eachSegmentRecord } from "../src/store/segments/record-codec.js";
import { ingestBodies } from "./lib/ingest-server.js";
import { median } from "./lib/report.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const ROUNDS = Number(arg("rounds") ?? 5);
const SEGMENT_LINES = 16_384;
const SEALED = { quality: 5 };

const config = loadConfig({ env: { DATA_DIR: "/tmp" } });
const processor = new Processor(createMiner(config.miner), []);
const observedAt = new Date().toISOString();
const mined: ParsedRecord[][] = ingestBodies(Number(arg("bodies") ?? 30)).map((body) =>
  processor.mine(
    body
      .split("\n")
      .filter(Boolean)
      .map((line) => recordFromIngestLog(JSON.parse(line) as IngestLog, observedAt)),
  ),
);
let nextRef = 1;
const rows = mined.map((records) => {
  const row = new FilledSegment(nextRef, records.length);
  eachSegmentRecord(records, row.add);
  nextRef += records.length;
  return row.encode({ quality: 0 }).data;
});
const lines = nextRef - 1;

function recompress(row: Uint8Array): Uint8Array {
  const blocks = Object.fromEntries(BLOCK_NAMES.map((name) => [name, readBlock(row, name)])) as SegmentBlocks;
  return packBlocks(blocks, SEALED, digitFilterBlock(blocks));
}

const ways: Record<string, () => Promise<Uint8Array[]>> = {
  reseal: async () => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < rows.length; i += 3)
      out.push(...(await resealPieces(rows.slice(i, i + 3), SEGMENT_LINES, SEALED, true)));
    return out;
  },
  "reseal-1": async () => {
    const out: Uint8Array[] = [];
    for (const row of rows) out.push(...(await resealPieces([row], SEGMENT_LINES, SEALED, true)));
    return out;
  },
  recompress: async () => rows.map(recompress),
};

// The claim above, checked on every row before anything is timed.
let same = 0;
for (const row of rows) {
  const [alone] = await resealPieces([row], SEGMENT_LINES, SEALED, true);
  if (alone !== undefined && Buffer.from(alone).equals(recompress(row))) same++;
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
console.log(`recompress writes the bytes reseal-1 writes: ${same} of ${rows.length} rows`);
const base = median(us.get("reseal")!);
for (const name of names) {
  const m = median(us.get(name)!);
  console.log(
    `${name.padEnd(11)} ${m.toFixed(3)} µs a line (${(m / base).toFixed(2)}x reseal)  ${(bytes.get(name)! / lines).toFixed(2)} bytes a line`,
  );
}
