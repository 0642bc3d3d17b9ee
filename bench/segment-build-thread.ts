/**
 * Where the segment store's batch rows are built: on the event loop (`FilledSegment`, what the store does
 * without a build thread) against on the build thread (`SegmentBuildThread`, what `serve` does), for the
 * bench:ingest corpus (NDJSON bodies of LogHub lines, decoded and mined as ingest does), 5,000-record rows
 * handed over in the pipeline's slices of 50. Per round each way builds every row; CPU µs a line of the
 * event loop (the main thread's time in /proc, 10 ms ticks) and of the process (all threads), medians over
 * the rounds, taken in turns. The two ways' bytes are compared first.
 *
 *   npx tsx bench/segment-build-thread.ts [--rounds=8] [--bodies=24]
 *
 * Prints only; docs are left alone.
 */
import { readFileSync } from "node:fs";
import type { ParsedRecord } from "../src/core/log-record.js";
import { FilledSegment } from "../src/store/columnar/index.js";
import { SegmentBuildThread } from "../src/store/segments/build-thread.js";
import { eachSegmentRecord } from "../src/store/segments/record-codec.js";
import { minedIngestBodies } from "./lib/mined-bodies.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const rounds = Number(arg("rounds") ?? 8);
const SLICE = 50;
const COMPRESSION = { quality: 0 };

const rows: ParsedRecord[][] = minedIngestBodies(Number(arg("bodies") ?? 24));
const lines = rows.reduce((n, r) => n + r.length, 0);
const thread = new SegmentBuildThread((error) => {
  throw error;
});

/** CPU seconds of this process's main thread (the event loop), from /proc (utime + stime, in ticks). */
function eventLoopSecs(): number {
  const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

type Way = "event loop" | "build thread";
const open = (way: Way, firstRef: number, count: number) =>
  way === "build thread" ? thread.open(firstRef, count)! : new FilledSegment(firstRef, count);

async function build(way: Way): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let ref = 1;
  for (const row of rows) {
    const segment = open(way, ref, row.length);
    for (let i = 0; i < row.length; i += SLICE) eachSegmentRecord(row.slice(i, i + SLICE), segment.add);
    out.push((await segment.encode(COMPRESSION)).data);
    ref += row.length;
  }
  return out;
}

const [here, there] = [await build("event loop"), await build("build thread")];
const same = here.every((b, i) => Buffer.from(b).equals(Buffer.from(there[i]!)));
console.log(`${rows.length} rows, ${lines} lines; same bytes both ways: ${same}`);
if (!same) process.exitCode = 1;

const figures: Record<Way, { loop: number[]; process: number[] }> = {
  "event loop": { loop: [], process: [] },
  "build thread": { loop: [], process: [] },
};
for (let r = 0; r < rounds; r++) {
  const order: Way[] = r % 2 === 0 ? ["event loop", "build thread"] : ["build thread", "event loop"];
  for (const way of order) {
    const loop0 = eventLoopSecs();
    const cpu0 = process.cpuUsage();
    await build(way);
    const cpu = process.cpuUsage(cpu0);
    figures[way].loop.push(((eventLoopSecs() - loop0) * 1e6) / lines);
    figures[way].process.push((cpu.user + cpu.system) / lines);
  }
}
await thread.stop();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
for (const way of ["event loop", "build thread"] as const)
  console.log(
    `built on the ${way}: event loop ${median(figures[way].loop).toFixed(2)} µs a line, ` +
      `process ${median(figures[way].process).toFixed(2)} µs a line (medians of ${rounds})`,
  );
