/**
 * `npm run bench:parse`: template-mining accuracy on LogHub-2k (message-body and raw-line modes, scored by
 * the shared evaluator) and raw-path throughput on a ~1M-line corpus. Writes the `parse` section of
 * docs/benchmarks.md.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mineAll } from "../src/parsers/drain/batch.js";
import { PREDICTION_HEADER, predictionRow } from "../src/parsers/drain/csv-output.js";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { splitHeader } from "../src/parsers/header.js";
import { RawLineMiner } from "../src/parsers/raw-line-miner.js";
import { option } from "./lib/options.js";
import { machineLine, median, table, writeBenchSection } from "./lib/report.js";
import {
  bodyTexts,
  datasetNames,
  GT_DIR,
  nonRepeating,
  rawTexts,
  readBodies,
  readRawLines,
  repeatTexts,
  splitLines,
} from "./parse-golden-corpus.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT_DIR = join(ROOT, "bench/.out/parse");
const SCORER = join(ROOT, "../shared/bench/parse_accuracy.py");
const TARGET_GA = 0.95;
const TARGET_PA = 0.7;
const RAW_GA_GAP = 0.03;
const TARGET_LPS = 500_000;
const STRETCH_LPS = 1_000_000;

type Mode = "body" | "raw";

interface Score {
  dataset: string;
  GA: number;
  PA: number;
  groups: number;
  gtGroups: number;
}

function writePredictions(mode: Mode, dataset: string, messages: string[]): void {
  const mined = mineAll(new DrainMiner(), dataset, messages);
  const dir = join(OUT_DIR, mode, dataset);
  mkdirSync(dir, { recursive: true });
  const out = [PREDICTION_HEADER];
  mined.forEach((m, i) => {
    out.push(predictionRow(i + 1, m.templateId, m.template));
  });
  writeFileSync(join(dir, `${dataset}_2k.log_structured.csv`), `${out.join("\n")}\n`);
}

interface ScorerRow {
  dataset: string;
  GA: number;
  PA: number | null;
  pred_groups: number;
  gt_groups: number;
}

function score(mode: Mode): Score[] {
  const json = execFileSync(
    "python3",
    [SCORER, "--gt-dir", GT_DIR, "--pred-dir", join(OUT_DIR, mode), "--format", "json"],
    { encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
  );
  const parsed = JSON.parse(json) as { datasets: ScorerRow[] };
  return parsed.datasets.map((r) => ({
    dataset: r.dataset,
    GA: r.GA,
    PA: r.PA ?? 0,
    groups: r.pred_groups,
    gtGroups: r.gt_groups,
  }));
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

const f3 = (x: number) => x.toFixed(3);

function accuracy(datasets: string[]): { body: Score[]; raw: Score[] } {
  for (const d of datasets) {
    writePredictions("body", d, readBodies(d));
    writePredictions(
      "raw",
      d,
      readRawLines(d).map((l) => splitHeader(l).body),
    );
  }
  return { body: score("body"), raw: score("raw") };
}

interface RunFigures {
  /** Lines per wall-clock second: one run's, or the median of a measure's runs. */
  wall: number;
  /** Lines per second of process CPU time (user + system), median: less sensitive to other processes. */
  cpu: number;
  templates: number;
}

interface ModeFigures {
  repeated: RunFigures;
  unique: RunFigures;
}

interface Throughput {
  lines: number;
  runs: number;
  /** Rounds of every measure run before them and not counted. */
  warmup: number;
  /** Raw lines through `RawLineMiner` (the header stripper and the miner, behind a whole-line memo). */
  raw: ModeFigures;
  /** Raw lines through the two steps one after the other (splitHeader, then DrainMiner.add): the baseline. */
  steps: ModeFigures;
  /** Message bodies (the Content column) through the miner alone: the standard protocol's input. */
  body: ModeFigures;
  /** Splitting each corpus into lines, the floor of any line-based reader. */
  ceiling: { raw: RunFigures; body: RunFigures };
  load: number;
  rssMiB: number;
  heapMiB: number;
}

/** What a throughput measure runs: `RawLineMiner`, the two steps, or the miner on bodies. */
type ThroughputMode = "raw" | "steps" | "body";

/** Runs per measure; `--runs=N` changes it. */
const RUNS = Number(option("runs", "5"));
/** Rounds of every measure run first and not counted; `--warmup=N` changes it. */
const WARMUP_ROUNDS = Number(option("warmup", "1"));

function throughput(datasets: string[]): Throughput {
  // The corpus is one big string, as a file read would give, so the ceiling measures the same splitting.
  const corpus = repeatTexts(rawTexts(datasets));
  const bodyCorpus = repeatTexts(bodyTexts(datasets));
  let peakRss = 0;
  let peakHeap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const timed = (work: () => number): { wall: number; cpu: number } => {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const lines = work();
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    return { wall: lines / wall, cpu: lines / ((cpu.user + cpu.system) / 1e6) };
  };
  let lines = 0;
  /** One run of a measure on a fresh miner: lines/s (wall, CPU) and the templates it ended with. */
  const once = (text: string, mode: ThroughputMode): RunFigures => {
    const miner = new DrainMiner();
    const r = timed(() => {
      let count = 0;
      if (mode === "raw") {
        // The corpus text as a file's: `addText` splits it and copies a window of lines at a time.
        const rawLines = new RawLineMiner(miner);
        rawLines.addText("bench", text, () => {
          count++;
          if ((count & 0xffff) === 0) sample();
        });
      } else if (mode === "steps") {
        for (const line of splitLines(text)) {
          const h = splitHeader(line);
          miner.add("bench", h.body, h.timestamp ?? undefined);
          count++;
          if ((count & 0xffff) === 0) sample();
        }
      } else {
        for (const line of splitLines(text)) {
          miner.add("bench", line);
          count++;
          if ((count & 0xffff) === 0) sample();
        }
      }
      return count;
    });
    sample();
    return { ...r, templates: miner.stats().templates };
  };
  const ceiling = (text: string): RunFigures => {
    const walls: number[] = [];
    const cpus: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let chars = 0;
      const r = timed(() => {
        let count = 0;
        for (const line of splitLines(text)) {
          count++;
          chars += line.length;
        }
        lines = count;
        return count;
      });
      if (chars < 0) console.log(chars);
      walls.push(r.wall);
      cpus.push(r.cpu);
    }
    return { wall: median(walls), cpu: median(cpus), templates: 0 };
  };
  const bodyCeiling = ceiling(bodyCorpus);
  const rawCeiling = ceiling(corpus);
  const uniqueCorpus = nonRepeating(corpus, true);
  const uniqueBodies = nonRepeating(bodyCorpus, false);
  const measure = (text: string, mode: ThroughputMode) => ({ text, mode, runs: [] as RunFigures[] });
  const measures = {
    rawRepeated: measure(corpus, "raw"),
    rawUnique: measure(uniqueCorpus, "raw"),
    stepsRepeated: measure(corpus, "steps"),
    stepsUnique: measure(uniqueCorpus, "steps"),
    bodyRepeated: measure(bodyCorpus, "body"),
    bodyUnique: measure(uniqueBodies, "body"),
  };
  // Rounds of every measure in turn, so a change in the machine's speed falls on all of them, after
  // WARMUP_ROUNDS not counted: the first measure run in a fresh process took 0.7–0.85× the lines per
  // CPU-second of its later runs (its code compiled by V8 as it ran, the heap growing), and being
  // first it was the raw lines' figure that paid for it.
  for (let round = -WARMUP_ROUNDS; round < RUNS; round++)
    for (const m of Object.values(measures)) {
      const r = once(m.text, m.mode);
      if (round >= 0) m.runs.push(r);
    }
  const figures = ({ runs }: { runs: RunFigures[] }): RunFigures => ({
    wall: median(runs.map((r) => r.wall)),
    cpu: median(runs.map((r) => r.cpu)),
    templates: runs.at(-1)!.templates,
  });
  const raw = { repeated: figures(measures.rawRepeated), unique: figures(measures.rawUnique) };
  const steps = { repeated: figures(measures.stepsRepeated), unique: figures(measures.stepsUnique) };
  const body = { repeated: figures(measures.bodyRepeated), unique: figures(measures.bodyUnique) };
  return {
    lines,
    runs: RUNS,
    warmup: WARMUP_ROUNDS,
    raw,
    steps,
    body,
    ceiling: { raw: rawCeiling, body: bodyCeiling },
    load: loadavg()[0] ?? 0,
    rssMiB: peakRss / 2 ** 20,
    heapMiB: peakHeap / 2 ** 20,
  };
}

const lps = (x: number) => `${Math.round(x).toLocaleString("en")} lines/s`;

function throughputTable(tp: Throughput): string {
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(1)} %`;
  return table(
    ["Measure", `Wall clock (median of ${tp.runs})`, `Per CPU-second (median of ${tp.runs})`],
    [
      [
        "Corpus",
        `${tp.lines.toLocaleString("en")} raw lines, and as many message bodies (all datasets repeated, in memory); the measures below run in turn, a fresh miner each run, ${tp.runs} rounds after ${tp.warmup} not counted`,
        "",
      ],
      [
        "Message bodies (DrainMiner.add), the standard protocol",
        lps(tp.body.repeated.wall),
        lps(tp.body.repeated.cpu),
      ],
      [
        "Same, non-repeating bodies (per-line counter in every number)",
        lps(tp.body.unique.wall),
        lps(tp.body.unique.cpu),
      ],
      [
        "Raw lines (RawLineMiner.addText on the corpus text)",
        lps(tp.raw.repeated.wall),
        lps(tp.raw.repeated.cpu),
      ],
      ["Same, non-repeating raw lines", lps(tp.raw.unique.wall), lps(tp.raw.unique.cpu)],
      [
        "Baseline in the same run: raw lines through splitHeader, then DrainMiner.add",
        lps(tp.steps.repeated.wall),
        lps(tp.steps.repeated.cpu),
      ],
      ["Same, non-repeating raw lines", lps(tp.steps.unique.wall), lps(tp.steps.unique.cpu)],
      [
        "RawLineMiner against the baseline (per CPU-second): repeated, non-repeating",
        "",
        `${(tp.raw.repeated.cpu / tp.steps.repeated.cpu).toFixed(2)}×, ${(tp.raw.unique.cpu / tp.steps.unique.cpu).toFixed(2)}×`,
      ],
      ["Ceiling: split the body corpus into lines", lps(tp.ceiling.body.wall), lps(tp.ceiling.body.cpu)],
      ["Ceiling: split the raw corpus into lines", lps(tp.ceiling.raw.wall), lps(tp.ceiling.raw.cpu)],
      [
        "Share of the ceiling: bodies, raw lines (per CPU-second)",
        "",
        `${pct(tp.body.repeated.cpu, tp.ceiling.body.cpu)}, ${pct(tp.raw.repeated.cpu, tp.ceiling.raw.cpu)}`,
      ],
      ["Peak RSS / heap used", `${tp.rssMiB.toFixed(0)} MiB / ${tp.heapMiB.toFixed(0)} MiB`, ""],
      [
        "Templates after the run: bodies (repeated / non-repeating), raw (repeated / non-repeating)",
        `${tp.body.repeated.templates} / ${tp.body.unique.templates}, ${tp.raw.repeated.templates} / ${tp.raw.unique.templates}`,
        "",
      ],
      ["1-minute load average at the end (machine shared with other jobs)", tp.load.toFixed(1), ""],
    ],
  );
}

function main(): void {
  if (!existsSync(GT_DIR)) throw new Error(`datasets not found at ${GT_DIR}`);
  const datasets = datasetNames();
  if (process.argv.includes("--throughput-only")) {
    // A quick look while working on the miner: no accuracy, and docs/benchmarks.md is left alone.
    console.log(throughputTable(throughput(datasets)));
    return;
  }
  const { body, raw } = accuracy(datasets);
  const rows = body.map((b) => {
    const r = raw.find((x) => x.dataset === b.dataset);
    return [
      b.dataset,
      f3(b.GA),
      f3(b.PA),
      `${b.groups}/${b.gtGroups}`,
      r ? f3(r.GA) : "-",
      r ? f3(r.PA) : "-",
    ];
  });
  const avg = {
    bodyGA: mean(body.map((s) => s.GA)),
    bodyPA: mean(body.map((s) => s.PA)),
    rawGA: mean(raw.map((s) => s.GA)),
    rawPA: mean(raw.map((s) => s.PA)),
  };
  rows.push([
    `**Average (${body.length})**`,
    `**${f3(avg.bodyGA)}**`,
    `**${f3(avg.bodyPA)}**`,
    "",
    `**${f3(avg.rawGA)}**`,
    `**${f3(avg.rawPA)}**`,
  ]);
  const accTable = table(
    ["Dataset", "GA (body)", "PA (body)", "groups (pred/gt)", "GA (raw)", "PA (raw)"],
    rows,
  );
  console.log(accTable);

  if (process.argv.includes("--accuracy-only")) return;
  const tp = throughput(datasets);
  const tpTable = throughputTable(tp);
  console.log(`\n${tpTable}`);

  const met = (ok: boolean) => (ok ? "met" : "**not met**");
  const speed = (x: number) => (x >= STRETCH_LPS ? "met (stretch too)" : met(x >= TARGET_LPS));
  const target = `≥ ${TARGET_LPS.toLocaleString("en")} lines/s (stretch ${STRETCH_LPS.toLocaleString("en")})`;
  const targets = table(
    ["Target", "Result", "Status"],
    [
      [`average GA (body) ≥ ${TARGET_GA}`, f3(avg.bodyGA), met(avg.bodyGA >= TARGET_GA)],
      [`average PA (body) ≥ ${TARGET_PA}`, f3(avg.bodyPA), met(avg.bodyPA >= TARGET_PA)],
      [
        `average GA (raw) within ${RAW_GA_GAP} of body`,
        `${f3(avg.rawGA)} (gap ${f3(avg.bodyGA - avg.rawGA)})`,
        met(avg.bodyGA - avg.rawGA <= RAW_GA_GAP),
      ],
      [
        `bodies: throughput ${target}, per CPU-second`,
        lps(tp.body.repeated.cpu),
        speed(tp.body.repeated.cpu),
      ],
      [
        `bodies, non-repeating: throughput ${target}, per CPU-second`,
        lps(tp.body.unique.cpu),
        speed(tp.body.unique.cpu),
      ],
      [`bodies: throughput ${target}, wall clock`, lps(tp.body.repeated.wall), speed(tp.body.repeated.wall)],
      [
        `raw lines: throughput ${target}, per CPU-second`,
        lps(tp.raw.repeated.cpu),
        speed(tp.raw.repeated.cpu),
      ],
      [
        `raw lines, non-repeating: throughput ${target}, per CPU-second`,
        lps(tp.raw.unique.cpu),
        speed(tp.raw.unique.cpu),
      ],
      [`raw lines: throughput ${target}, wall clock`, lps(tp.raw.repeated.wall), speed(tp.raw.repeated.wall)],
      [
        "raw lines: issue 18's ≥ 1,000,000 lines per CPU-second, on this machine at the time of the run " +
          "(its speed moves this figure by more than a code change does: `npx tsx bench/parse-ab.ts " +
          "--ref=a9dffd9 --modes=rawtext,rawtextu --procs=5` compares with the code the target was set on, " +
          "timed as this row then was, lines split from the corpus text: about 320,000 then, so the target is 3.12× it)",
        lps(tp.raw.repeated.cpu),
        met(tp.raw.repeated.cpu >= 1_000_000),
      ],
    ],
  );
  console.log(`\n${targets}`);

  writeBenchSection(
    "parse",
    `## Template mining (\`npm run bench:parse\`)

${machineLine()}

One default configuration for every dataset (\`new DrainMiner()\`), online, one pass; each line is reported
with the final template of its cluster (lineage resolved), as Drain-style evaluations do. Scored by
\`../shared/bench/parse_accuracy.py\` on the ten LogHub-2k datasets (original 2019 ground truth).
*Body* = the \`Content\` column; *raw* = the \`X_2k.log\` lines through \`splitHeader\` (throughput: \`RawLineMiner\`).
Reference: Drain3 with default settings and generic masks scores GA 0.907, PA 0.494 at about 57,000 lines/s.

${accTable}

Throughput is single-threaded, in two modes like accuracy: message bodies through the miner (the standard
protocol's input, and what a Drain-style miner such as Drain3, which has no header stripping, is timed on)
and raw lines through the header stripper and the miner: \`RawLineMiner\`, what \`logwarden parse\` runs, with a whole-line
skeleton memo in front of the two (src/parsers/raw-line-miner.ts), and as a baseline in the same run the two
steps one after the other (what ingest of plain text does, the header on the decode thread and the body on the
event loop). Both give the same headers and templates (test/parsers/raw-line-miner.test.ts).
Wall-clock figures depend on what else runs on the machine (see the load average); per-CPU-second figures
divide by the process's own CPU time and are the ones to compare across runs. The non-repeating corpora show
that no speed-up relies on lines repeating.

${tpTable}

${targets}
`,
  );
}

main();
