/**
 * CPU of the default detector set per line of the bench:ingest corpus, without the server: the NDJSON
 * bodies are decoded and mined once as `/ingest` does, then every round runs `begin`, `detect` in slices
 * of 50 records and `commit` per batch of 2,000 (what the ingest pipeline does) with a fresh detector set,
 * on fresh copies of the records (per-record memos must not carry over from a round). Prints the CPU
 * (`process.cpuUsage`, this process) per line of each round, their median, and with `--by-detector` the
 * wall time of each detector's `observe`. Writes nothing.
 *
 *   npx tsx bench/detect/ingest-detect-cpu.ts [--rounds N] [--bodies N] [--by-detector]
 */
import { parseArgs } from "node:util";
import { configSchema } from "../../src/config/schema.js";
import type { JsonObject } from "../../src/core/json.js";
import type { LogRecord, ParsedRecord } from "../../src/core/log-record.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { recordFromIngestLog } from "../../src/service/ingest-records.js";
import { ingestBodies } from "../lib/ingest-server.js";
import { median } from "../lib/report.js";

const BATCH = 2_000;
const SLICE = 50;
/** Wall time between batches, for the detectors that read the clock: about 44,000 lines/s. */
const WALL_STEP_MS = 45;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    bodies: { type: "string", default: "40" },
    "by-detector": { type: "boolean", default: false },
  },
});
const config = configSchema.parse({});

/** The corpus as `/ingest` turns it into records (one resource object per service and body), mined once. */
function minedBatches(bodies: number): ParsedRecord[][] {
  const miner = createProcessor(config);
  const batches: ParsedRecord[][] = [];
  let id = 1;
  for (const body of ingestBodies(bodies)) {
    const resources = new Map<string, JsonObject>();
    const resourceFor = (service: string): JsonObject => {
      let resource = resources.get(service);
      if (!resource) {
        resource = { "service.name": service };
        resources.set(service, resource);
      }
      return resource;
    };
    const records: LogRecord[] = [];
    for (const line of body.split("\n"))
      if (line)
        records.push(recordFromIngestLog(JSON.parse(line), "2026-01-01T00:00:00.000Z", { resourceFor }));
    for (let i = 0; i < records.length; i += BATCH) {
      const parsed = miner.mine(records.slice(i, i + BATCH), id);
      id += parsed.length;
      batches.push(parsed);
    }
  }
  return batches;
}

/** One round: CPU µs per line, and wall ms per detector when asked. */
function round(
  mined: readonly ParsedRecord[][],
  lines: number,
  byDetector: Map<string, number> | null,
): number {
  const batches = mined.map((batch) => batch.map((record) => ({ ...record })));
  let wall = Date.parse("2026-01-01T00:00:00Z");
  const processor = createProcessor(config, { now: () => wall });
  const started = process.cpuUsage();
  for (const batch of batches) {
    wall += WALL_STEP_MS;
    processor.begin();
    for (let i = 0; i < batch.length; i += SLICE) {
      const slice = batch.slice(i, i + SLICE);
      if (byDetector === null) processor.detect(slice);
      else
        for (const detector of processor.detectors) {
          const t0 = performance.now();
          detector.observe(slice);
          byDetector.set(detector.name, (byDetector.get(detector.name) ?? 0) + performance.now() - t0);
        }
    }
    processor.commit();
  }
  const cpu = process.cpuUsage(started);
  return (cpu.user + cpu.system) / lines;
}

const mined = minedBatches(Number(values.bodies));
const lines = mined.reduce((n, batch) => n + batch.length, 0);
const rounds = Number(values.rounds);
const byDetector = values["by-detector"] ? new Map<string, number>() : null;
round(mined, lines, null);
const perLine: number[] = [];
for (let r = 0; r < rounds; r++) perLine.push(round(mined, lines, byDetector));
console.log(
  `${lines.toLocaleString("en")} lines, ${mined.length} batches; detect CPU µs/line by round: ${perLine.map((x) => x.toFixed(2)).join(" ")}`,
);
console.log(`median ${median(perLine).toFixed(3)} µs/line`);
if (byDetector)
  for (const [name, ms] of [...byDetector].sort((a, b) => b[1] - a[1]))
    console.log(`  ${name.padEnd(24)} ${((1000 * ms) / (rounds * lines)).toFixed(3)} µs/line (wall)`);
