/**
 * End-to-end NDJSON ingest per log store (issue 18): `logwarden serve` with LOG_STORE=table and with
 * LOG_STORE=segments, in turns (table, segments, segments, table, …) so a change in the machine's load
 * falls on both, each on a fresh data directory, fed the same bodies by autocannon: BENCH_WARMUP_SECS (3)
 * of load first, not counted, then BENCH_SECS (15) measured. Reports stored lines per second, the
 * server's CPU per line (all its threads, from /proc), how far sealing was behind when the load stopped
 * and how long it took to catch up, and bytes on disk per line once all is sealed.
 *
 * Then one more run per store under `--cpu-prof` splits the server's CPU per line by stage (HTTP and
 * JSON, decoding, mining, detection, storage, scoring, garbage collection), on the event loop's thread and
 * on the others (sealing), from the profiles (bench/lib/cpu-profile-stages.ts); BENCH_PROFILE=0 skips it.
 *
 * BENCH_SERVE_NODES=24,26 adds, for each of those Node majors (from the npm registry's `node` package, as
 * CI's extra legs get them: `.ci/node-prep.sh`), segment-store runs of the same server on that Node in turns
 * with runs on this process's Node, and their ratio: users run the server on 22, 24 and 26.
 *
 *   npm run bench:ingest                         # 2 rounds of 15 s per store
 *   BENCH_ROUNDS=3 BENCH_SECS=20 npm run bench:ingest
 *   BENCH_SERVE_NODES=24 npm run bench:ingest     # also the segment store on Node 24
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { gzipSync } from "node:zlib";
import SQLite from "better-sqlite3";
import { processStages, STAGES, type Stage } from "./lib/cpu-profile-stages.js";
import { measureIngest, storedLines } from "./lib/ingest-load.js";
import {
  INGEST_LINES_PER_REQUEST,
  type IngestCorpus,
  ingestBodies,
  nodeBinary,
  stopServer,
  withServer,
} from "./lib/ingest-server.js";
import { fmt, loadAverages, machineLine, median, table, writeBenchSection } from "./lib/report.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SECS = Number(process.env.BENCH_SECS ?? 15);
/** Seconds of the same load before each measured run (0: measure from the server's start). */
const WARMUP_SECS = Number(process.env.BENCH_WARMUP_SECS ?? 3);
/** `loghub` (the raw LogHub-2k lines, repeated) or `fresh` (every digit run redrawn per line: issue 50). */
const CORPUS: IngestCorpus = process.env.BENCH_CORPUS === "fresh" ? "fresh" : "loghub";
if (process.env.BENCH_CORPUS && process.env.BENCH_CORPUS !== CORPUS)
  throw new Error("BENCH_CORPUS: loghub or fresh");
/** Lines per NDJSON body: 5,000 (system 004's batches) by default; small requests are common too (100). */
const BODY_LINES = Number(process.env.BENCH_BODY_LINES ?? INGEST_LINES_PER_REQUEST);
if (!Number.isSafeInteger(BODY_LINES) || BODY_LINES < 1)
  throw new Error("BENCH_BODY_LINES: a whole number ≥ 1");
/** Bodies made: a million lines by default, so a run sends no time twice. */
const BODIES = Number(process.env.BENCH_BODIES ?? Math.ceil(1_000_000 / BODY_LINES));
/** The docs section: `ingest` for the default corpus and bodies, else one of its own per pair. */
const SECTION =
  CORPUS === "loghub" && BODY_LINES === INGEST_LINES_PER_REQUEST
    ? "ingest"
    : `ingest-${CORPUS}-${BODY_LINES}`;
const CONNECTIONS = 4;
const PROFILE = process.env.BENCH_PROFILE !== "0";
/** Other Node majors to run the segment store's server on, in turns with this process's Node. */
const SERVE_NODES = (process.env.BENCH_SERVE_NODES ?? "")
  .split(",")
  .map((m) => m.trim())
  .filter((m) => /^\d+$/.test(m));
const CATCH_UP_LIMIT_SECS = 180;
/** LOG_SEGMENT_LINES' default. */
const SEGMENT_LINES = 16_384;
const ENGINES = ["table", "segments"] as const;
type Engine = (typeof ENGINES)[number];

interface Run {
  engine: Engine;
  /** The server's Node version. */
  node: string;
  round: number;
  /** Lines stored during the measured load. */
  stored: number;
  /** Lines stored in all, the warm-up's included (what a profile of the whole run covers). */
  storedInAll: number;
  linesPerSec: number;
  cpuUsPerLine: number | null;
  non2xx: number;
  p99: number;
  /** Lines still in batches when the load stopped (segments). */
  unsealedAtStop: number;
  /** Seconds from the load's end until less than a segment's lines were left in batches (segments). */
  catchUpSecs: number;
  bytesPerLine: number;
}

/** Bytes of the database file and its WAL. */
function bytesOnDisk(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith("logwarden.db"))
    .reduce((a, f) => a + statSync(join(dir, f)).size, 0);
}

interface Server {
  /** The Node binary, and its version; this process's own by default. */
  bin?: string;
  version: string;
}

const THIS_NODE: Server = { version: process.version };

async function runOnce(
  engine: Engine,
  round: number,
  bodies: string[],
  profileDir?: string,
  node: Server = THIS_NODE,
): Promise<Run> {
  return withServer(
    `ingest-${engine}`,
    { LOG_STORE: engine },
    async (server) => {
      const figures = await measureIngest(server, {
        store: engine,
        bodies,
        connections: CONNECTIONS,
        warmupSecs: WARMUP_SECS,
        secs: SECS,
      });
      const { unsealed } = figures;
      const db = new SQLite(join(server.dataDir, "logwarden.db"), { readonly: true });
      const tEnd = performance.now();
      let left = unsealed;
      // Caught up once less than a segment waits: a remainder below that is sealed by age
      // (LOG_SEAL_AFTER_SECS), not because sealing is behind.
      while (left >= SEGMENT_LINES && performance.now() - tEnd < CATCH_UP_LIMIT_SECS * 1000) {
        await sleep(250);
        left = storedLines(db, engine).unsealed;
      }
      const catchUpSecs = unsealed >= SEGMENT_LINES ? (performance.now() - tEnd) / 1000 : 0;
      db.close();
      await stopServer(server.child);
      const run: Run = {
        engine,
        node: node.version,
        round,
        stored: figures.stored,
        storedInAll: figures.storedInAll,
        linesPerSec: figures.linesPerSec,
        cpuUsPerLine: figures.cpuUsPerLine,
        non2xx: figures.non2xx,
        p99: figures.p99,
        unsealedAtStop: unsealed,
        catchUpSecs,
        bytesPerLine: bytesOnDisk(server.dataDir) / Math.max(1, figures.storedInAll),
      };
      console.log(JSON.stringify(run));
      return run;
    },
    { profileDir, nodeBin: node.bin },
  );
}

interface NodeComparison {
  node: string;
  runs: Run[];
  /** The same rounds' runs on this process's Node, in turns with them. */
  base: Run[];
}

/** The segment store on another Node major, in turns with this process's Node (the order alternating). */
async function onNode(major: string, bodies: string[]): Promise<NodeComparison> {
  const bin = nodeBinary(major);
  const other: Server = { bin, version: execFileSync(bin, ["--version"], { encoding: "utf8" }).trim() };
  const out: NodeComparison = { node: other.version, runs: [], base: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    const first = round % 2 === 1 ? other : THIS_NODE;
    for (const node of [first, first === other ? THIS_NODE : other]) {
      const run = await runOnce("segments", round, bodies, undefined, node);
      (node === other ? out.runs : out.base).push(run);
    }
  }
  return out;
}

function nodeTable(comparisons: readonly NodeComparison[]): string {
  const rows: (string | number)[][] = [];
  for (const c of comparisons) {
    const ratios = c.runs.map((r, i) => r.linesPerSec / c.base[i]!.linesPerSec);
    for (const [runs, label] of [
      [c.base, process.version],
      [c.runs, c.node],
    ] as const)
      rows.push([
        label,
        runs.map((r) => fmt(r.linesPerSec)).join(", "),
        fmt(median(runs.map((r) => r.linesPerSec))),
        fmt(median(runs.map((r) => r.cpuUsPerLine ?? Number.NaN)), 1),
        runs === c.runs
          ? `${median(ratios).toFixed(2)}× (${ratios.map((x) => x.toFixed(2)).join(", ")})`
          : "1",
      ]);
  }
  return table(
    ["server's Node", "lines/s per run", "median lines/s", "CPU µs/line", `vs ${process.version}, per round`],
    rows,
  );
}

interface StageSplit {
  engine: Engine;
  linesPerSec: number;
  /** CPU µs per stored line, by stage: on the event loop's thread, and on all the others together. */
  main: Record<Stage, number>;
  others: Record<Stage, number>;
}

/** One run under --cpu-prof: the server's CPU per stored line, stage by stage (sampling costs a little). */
async function stageSplit(engine: Engine, bodies: string[]): Promise<StageSplit> {
  const dir = mkdtempSync(join(tmpdir(), `logwarden-bench-profile-${engine}-`));
  try {
    const run = await runOnce(engine, 0, bodies, dir);
    const { main, others } = processStages(dir);
    const perLine = (ms: Record<Stage, number>) =>
      Object.fromEntries(STAGES.map((s) => [s, (ms[s] * 1000) / Math.max(1, run.storedInAll)])) as Record<
        Stage,
        number
      >;
    return { engine, linesPerSec: run.linesPerSec, main: perLine(main), others: perLine(others) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function stageTable(splits: readonly StageSplit[]): string {
  const sum = (r: Record<Stage, number>) => STAGES.reduce((a, s) => a + r[s], 0);
  const rows: (string | number)[][] = [];
  for (const s of splits) {
    for (const [thread, r] of [
      ["event loop", s.main],
      ["other threads", s.others],
    ] as const)
      rows.push([s.engine, thread, ...STAGES.map((st) => fmt(r[st], 1)), fmt(sum(r), 1)]);
  }
  return table(["store", "thread", ...STAGES, "all"], rows);
}

/** The segment store's CPU per line by stage, all threads, on repeated LogHub-2k lines and on fresh values. */
function corpusComparison(repeating: StageSplit, fresh: StageSplit | undefined): string[] {
  if (!fresh) return [];
  const both = (s: StageSplit, st: Stage) => s.main[st] + s.others[st];
  const all = (s: StageSplit) => STAGES.reduce((a, st) => a + both(s, st), 0);
  const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : "–");
  const rows = STAGES.map((st) => [
    st,
    fmt(both(repeating, st), 1),
    fmt(both(fresh, st), 1),
    fmt(both(fresh, st) - both(repeating, st), 1),
    ratio(both(fresh, st), both(repeating, st)),
  ]);
  rows.push([
    "all",
    fmt(all(repeating), 1),
    fmt(all(fresh), 1),
    fmt(all(fresh) - all(repeating), 1),
    ratio(all(fresh), all(repeating)),
  ]);
  const increases = STAGES.map((st) => ({ st, d: both(fresh, st) - both(repeating, st) })).filter(
    (x) => x.d > 0,
  );
  // Shares of what rose (a stage that fell is not netted against them).
  const extra = increases.reduce((a, x) => a + x.d, 0);
  const biggest = increases
    .sort((a, b) => b.d - a.d)
    .slice(0, 3)
    .map((x) => `${x.st} +${fmt(x.d, 1)} µs (${extra > 0 ? Math.round((100 * x.d) / extra) : 0} %)`);
  return [
    "",
    `### Fresh values against repeated lines, segment store, bodies of ${fmt(BODY_LINES)}`,
    "",
    `The same profiled run on LogHub-2k's own lines repeated as they are (bench:ingest's first corpus; ${fmt(repeating.linesPerSec)} lines/s), beside the fresh-valued one above (${fmt(fresh.linesPerSec)} lines/s): CPU µs per stored line, event loop and other threads together. Fresh values cost ${ratio(all(fresh), all(repeating))} the CPU a line${biggest.length > 0 ? `; of the stages that cost more, most is ${biggest.join(", ")} of their increase` : ""}.`,
    "",
    table(["stage", "repeated lines", "fresh values", "difference", "fresh / repeated"], rows),
  ];
}

async function main(): Promise<void> {
  const loadStart = loadAverages();
  const bodies = ingestBodies(BODIES, { corpus: CORPUS, linesPerBody: BODY_LINES });
  const gzipPerLine = gzipSync(bodies[0]!, { level: 6 }).length / BODY_LINES;
  const runs: Run[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 === 1 ? ENGINES : [...ENGINES].reverse();
    for (const engine of order) runs.push(await runOnce(engine, round, bodies));
  }
  const splits: StageSplit[] = [];
  if (PROFILE) for (const engine of ENGINES) splits.push(await stageSplit(engine, bodies));
  // Fresh values against LogHub-2k's own lines repeated, same body size, segment store: where the CPU goes.
  const repeating =
    PROFILE && CORPUS === "fresh"
      ? await stageSplit("segments", ingestBodies(BODIES, { corpus: "loghub", linesPerBody: BODY_LINES }))
      : null;
  const nodes: NodeComparison[] = [];
  for (const major of SERVE_NODES) nodes.push(await onNode(major, bodies));
  const of = (engine: Engine) => runs.filter((r) => r.engine === engine);
  const med = (engine: Engine, f: (r: Run) => number | null) =>
    median(of(engine).map((r) => f(r) ?? Number.NaN));
  const lps = (e: Engine) => med(e, (r) => r.linesPerSec);
  const cpu = (e: Engine) => med(e, (r) => r.cpuUsPerLine);
  const bpl = (e: Engine) => med(e, (r) => r.bytesPerLine);
  const md = [
    SECTION === "ingest"
      ? "## Ingest per log store (`npm run bench:ingest`)"
      : `## Ingest per log store, ${CORPUS === "fresh" ? "fresh values" : "LogHub-2k lines"} in bodies of ${fmt(BODY_LINES)} (\`BENCH_CORPUS=${CORPUS} BENCH_BODY_LINES=${BODY_LINES} npm run bench:ingest\`)`,
    "",
    `${machineLine()} Load average: ${loadStart} → ${loadAverages()} (1/5/15 min).`,
    `\`logwarden serve\` (built, \`node --max-semi-space-size=32 dist/cli/index.js serve\` as \`npm start\` runs it) on a fresh SQLite file per run, \`LOG_STORE=table\` and \`LOG_STORE=segments\` in turns ` +
      `(${ROUNDS} rounds, the order reversed every other round); autocannon, ${CONNECTIONS} connections, ${SECS} s ` +
      (WARMUP_SECS > 0
        ? `after ${WARMUP_SECS} s of the same load that is not counted (by then the server's code is compiled and its caches are filled, as on a server that has run a while; BENCH_WARMUP_SECS=0 measures from the start), `
        : "from the server's start, ") +
      `NDJSON bodies of ${BODY_LINES.toLocaleString("en")} ${
        CORPUS === "fresh"
          ? "lines of every LogHub family in ../shared/datasets with every digit run redrawn per line (ids, numbers, addresses and durations never repeat; `nonRepeatingRawLines`)"
          : "LogHub-2k lines"
      } in system 004's shape (${BODIES} ` +
      "bodies, record times 10 ms apart), every line mined, run through the detectors and committed before the answer. " +
      "CPU is the server's, all threads (libuv's pool included), from /proc, over the measured load only; the segment store's " +
      "sealing goes on after it (catch-up: until less than a segment's lines wait, the rest being sealed by age). " +
      "Bytes are the database file and its WAL then (a remainder still in cheap batches), over stored lines; " +
      `gzip -6 of the same NDJSON is ${fmt(gzipPerLine, 1)} bytes a line.`,
    "",
    table(
      [
        "store",
        "round",
        "lines/s stored",
        "CPU µs/line",
        "non-2xx",
        "p99 ms",
        "unsealed at stop",
        "catch-up s",
        "bytes/line",
      ],
      runs.map((r) => [
        r.engine,
        r.round,
        fmt(r.linesPerSec),
        r.cpuUsPerLine === null ? "n/a" : fmt(r.cpuUsPerLine, 1),
        r.non2xx,
        r.p99,
        fmt(r.unsealedAtStop),
        fmt(r.catchUpSecs, 1),
        fmt(r.bytesPerLine, 1),
      ]),
    ),
    "",
    `Medians: table ${fmt(lps("table"))} lines/s at ${fmt(cpu("table"), 1)} µs/line, ${fmt(bpl("table"), 1)} bytes/line; ` +
      `segments ${fmt(lps("segments"))} lines/s at ${fmt(cpu("segments"), 1)} µs/line, ${fmt(bpl("segments"), 1)} bytes/line. ` +
      `**Segments / table: ${(lps("segments") / lps("table")).toFixed(2)}× the lines/s, ` +
      `${(cpu("segments") / cpu("table")).toFixed(2)}× the CPU per line, ${(bpl("segments") / bpl("table")).toFixed(3)}× the bytes.** ` +
      `Issue 18's target, 100,000 lines/s: ${lps("segments") >= 100_000 ? "met" : "**not met**"} on ${process.version}, ` +
      "on this machine at the time of the run: its speed moved these figures 2.5× between days, so " +
      "`npx tsx bench/serve-ab.ts --ref=a9dffd9 --ref-store=table` compares with the code the target was set " +
      "on (about 27,000 lines/s then; 100,000 is 3.70× that).",
    ...(nodes.length === 0
      ? []
      : [
          "",
          "### The segment store on other Node majors",
          "",
          `The same server and load (segment store only) on ${nodes.map((c) => c.node).join(", ")} (the npm registry's ` +
            "`node` package, better-sqlite3 compiled for it at -O1 as CI's extra legs build it, where the default " +
            `build uses -O3), in turns with ${process.version}, ${ROUNDS} rounds, the order reversed every other round. ` +
            "Ratios are per round, the runs of a round side by side.",
          "",
          nodeTable(nodes),
          "",
          ...nodes.map(
            (c) =>
              `Issue 18's target on ${c.node}: ${median(c.runs.map((r) => r.linesPerSec)) >= 100_000 ? "met" : "**not met**"} ` +
              `(median ${fmt(median(c.runs.map((r) => r.linesPerSec)))} lines/s).`,
          ),
        ]),
    ...(splits.length === 0
      ? []
      : [
          "",
          "### CPU µs per stored line, by stage",
          "",
          "One more run per store under `--cpu-prof` (" +
            splits.map((s) => `${s.engine} ${fmt(s.linesPerSec)} lines/s`).join(", ") +
            "; sampling costs a few per cent). Each profile sample counts for the stage of the innermost frame " +
            "on its stack that belongs to one (`bench/lib/cpu-profile-stages.ts`): *http+json* is Fastify, the " +
            "request body, NDJSON/JSON parsing and validation; *decode* turns log objects into records (header " +
            "split, times, levels; both on a decode thread for bodies of 64 KiB or more, whose records the event " +
            "loop unpacks, counted as decoding); *mine* the template miner; *detect* the detectors; *store* the log store, " +
            "anomaly and template writes, SQLite and Kysely (on the other threads: sealing, its decoding, " +
            "column building and compression); *score* the per-service scores and incidents; *gc* garbage " +
            "collection; *other* anything else (Node internals, promise plumbing). Start-up and idle time are " +
            "left out; the warm-up's load is in, over its lines too. 100,000 lines/s on 2 cores leaves 20 µs of CPU a line for all threads together.",
          "",
          stageTable(splits),
        ]),
    ...(repeating === null
      ? []
      : corpusComparison(
          repeating,
          splits.find((x) => x.engine === "segments"),
        )),
  ].join("\n");
  console.log(`\n${md}`);
  writeBenchSection(SECTION, md);
}

await main();
