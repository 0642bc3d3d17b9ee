/**
 * A/B of template mining against an older commit, in one process: `npx tsx bench/parse-ab.ts --ref=REF`
 * takes that commit's src/parsers and src/core (`git archive`, into bench/.out/parse-ab/<sha>), and times
 * its `splitHeader` + `DrainMiner` against the working tree's on bench:parse's corpora, the two taking
 * turns (which goes first alternates by round). Prints lines per CPU-second (process CPU time, user +
 * system) for each run, then medians and the median of the per-round ratios (new / old): on a shared
 * machine the ratio of runs made side by side is steadier than either figure.
 *
 * Options: `--rounds=N` (5), `--lines=N` (1,000,000 per corpus), `--modes=raw,rawu,body,bodyu,split,splitu`
 * (`raw`: RawLineMiner.add where the tree has it, else splitHeader + DrainMiner.add, on lines split
 * before the clock starts; `rawtext`: the same lines as one text, which each side splits on the clock,
 * by RawLineMiner.addText where the tree has it, else by bench:parse's `splitLines`, as a file is read;
 * `body`: DrainMiner.add on message bodies; `split`: splitHeader alone; a `u` suffix: the
 * non-repeating corpus),
 * `--procs=N` (1): the rounds in each of N fresh processes, one after another, then every process's median
 * ratio and the median of those. V8 compiles the same code differently from one process to
 * the next (inlining, deoptimisations): the same build's header-time conversion took 60 to 119 ns a line
 * in separate processes, so one process's ratio can be that process's luck, which N of them sample.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { splitHeader } from "../src/parsers/header.js";
import { RawLineMiner } from "../src/parsers/raw-line-miner.js";
import { option } from "./lib/options.js";
import { fmt, median } from "./lib/report.js";
import {
  bodyTexts,
  datasetNames,
  nonRepeating,
  rawTexts,
  repeatTexts,
  splitLines,
} from "./parse-golden-corpus.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface Miner {
  add(stream: string, message: string, at?: string): unknown;
}
interface Side {
  split: (line: string) => { body: string; timestamp: string | null };
  miner: () => Miner;
  /** A fresh raw-line miner's `add`, in trees that have one (`RawLineMiner`); null: split + add. */
  rawLine: (() => (line: string) => unknown) | null;
  /** A fresh raw-line miner's `addText` (the lines it mined), in trees that have it; null: split, then `rawLine`. */
  rawText: (() => (text: string) => number) | null;
}

/** The parsers of commit `ref`, extracted once into bench/.out. */
async function sideAt(ref: string): Promise<{ sha: string; side: Side }> {
  const sha = execFileSync("git", ["rev-parse", ref], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = join(ROOT, "bench/.out/parse-ab", sha);
  if (!existsSync(join(dir, "src/parsers/header.ts"))) {
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync("git", ["archive", sha, "src/parsers", "src/core"], { cwd: ROOT });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
  }
  const header = (await import(pathToFileURL(join(dir, "src/parsers/header.ts")).href)) as {
    splitHeader: Side["split"];
  };
  const drain = (await import(pathToFileURL(join(dir, "src/parsers/drain/index.ts")).href)) as {
    DrainMiner: new () => Miner;
  };
  const rawFile = join(dir, "src/parsers/raw-line-miner.ts");
  const raw = existsSync(rawFile)
    ? ((await import(pathToFileURL(rawFile).href)) as { RawLineMiner: typeof RawLineMiner })
    : null;
  const rawLine = raw ? rawLineOf(raw.RawLineMiner, drain.DrainMiner as typeof DrainMiner) : null;
  const rawText = raw ? rawTextOf(raw.RawLineMiner, drain.DrainMiner as typeof DrainMiner) : null;
  return { sha, side: { split: header.splitHeader, miner: () => new drain.DrainMiner(), rawLine, rawText } };
}

function rawTextOf(
  Raw: typeof RawLineMiner,
  Miner: typeof DrainMiner,
): (() => (text: string) => number) | null {
  if (typeof Raw.prototype.addText !== "function") return null;
  return () => {
    const m = new Raw(new Miner());
    return (text) => m.addText("bench", text, () => {});
  };
}

function rawLineOf(Raw: typeof RawLineMiner, Miner: typeof DrainMiner): () => (line: string) => unknown {
  return () => {
    const m = new Raw(new Miner());
    return (line) => m.add("bench", line);
  };
}

function corpusOf(mode: string, limit: number): string[] {
  const datasets = datasetNames();
  const raw = !mode.startsWith("body");
  let text = repeatTexts(raw ? rawTexts(datasets) : bodyTexts(datasets));
  if (mode.endsWith("u")) text = nonRepeating(text, raw);
  const lines: string[] = [];
  for (const line of splitLines(text)) {
    if (lines.length >= limit) break;
    lines.push(line);
  }
  return lines;
}

/** Lines per CPU-second of one run of `mode` over `lines` (`text`: them joined), with a fresh miner. */
function run(mode: string, lines: readonly string[], text: string, side: Side): number {
  const miner = side.miner();
  let sink = 0;
  const cpu0 = process.cpuUsage();
  if (mode.startsWith("rawtext") && side.rawText) sink += side.rawText()(text);
  else if (mode.startsWith("raw")) {
    // `rawtext` splits the text on the clock, as bench:parse's raw row did at a9dffd9; `raw` before it.
    const input: Iterable<string> = mode.startsWith("rawtext") ? splitLines(text) : lines;
    if (side.rawLine) {
      const add = side.rawLine();
      for (const line of input) add(line);
    } else {
      for (const line of input) {
        const h = side.split(line);
        miner.add("bench", h.body, h.timestamp ?? undefined);
      }
    }
  } else if (mode.startsWith("split")) {
    for (const line of lines) sink += side.split(line).body.length;
  } else for (const line of lines) miner.add("bench", line);
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) console.log(sink);
  return lines.length / ((cpu.user + cpu.system) / 1e6);
}

/** What one process measured of a mode: lines per CPU-second of each side, and the ratio, per round. */
interface ModeFigures {
  old: number[];
  now: number[];
  ratio: number[];
}
type Figures = Map<string, ModeFigures>;
/** The line a child process (`--child`) ends its output with: its figures as JSON. */
const RESULT = "parse-ab result: ";

/** `--procs=N`: this script again in N fresh processes, one after another, and their figures together. */
function acrossProcesses(procs: number): void {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--procs="));
  const all: Figures = new Map();
  for (let p = 0; p < procs; p++) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...args, "--child"],
      { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 1 << 24 },
    );
    const line = child.stdout.split("\n").find((l) => l.startsWith(RESULT));
    if (child.status !== 0 || !line)
      throw new Error(`process ${p + 1} of ${procs} failed (exit ${child.status})`);
    const figures = JSON.parse(line.slice(RESULT.length)) as Record<string, ModeFigures>;
    const medians: string[] = [];
    for (const [mode, f] of Object.entries(figures)) {
      const into = all.get(mode) ?? { old: [], now: [], ratio: [] };
      into.old.push(...f.old);
      into.now.push(...f.now);
      into.ratio.push(median(f.ratio));
      all.set(mode, into);
      medians.push(`${mode} ${median(f.ratio).toFixed(3)}`);
    }
    console.log(`process ${p + 1} of ${procs}: median ratio ${medians.join(", ")}`);
  }
  for (const [mode, f] of all) {
    const sorted = [...f.ratio].sort((a, b) => a - b);
    console.log(
      `${mode}: old median ${fmt(median(f.old))}, new median ${fmt(median(f.now))} lines/CPU-s; median of the ${procs} processes' median ratios ${median(f.ratio).toFixed(3)} (${sorted[0]!.toFixed(3)}–${sorted[sorted.length - 1]!.toFixed(3)})`,
    );
  }
}

async function main(): Promise<void> {
  const procs = Number(option("procs", "1"));
  if (procs > 1 && !process.argv.includes("--child")) return acrossProcesses(procs);
  const ref = option("ref", "");
  if (!ref)
    throw new Error(
      "usage: npx tsx bench/parse-ab.ts --ref=COMMIT [--rounds=5] [--lines=1000000] [--modes=…] [--procs=1]",
    );
  const rounds = Number(option("rounds", "5"));
  const limit = Number(option("lines", "1000000"));
  const modes = option("modes", "raw,rawu,body,bodyu").split(",");
  const { sha, side: old } = await sideAt(ref);
  const now: Side = {
    split: splitHeader,
    miner: () => new DrainMiner(),
    rawLine: rawLineOf(RawLineMiner, DrainMiner),
    rawText: rawTextOf(RawLineMiner, DrainMiner),
  };
  console.log(`old: ${sha.slice(0, 12)} (${ref}); new: the working tree; ${rounds} rounds`);
  const corpora = new Map(modes.map((m) => [m, corpusOf(m, limit)]));
  const texts = new Map(modes.map((m) => [m, m.startsWith("rawtext") ? corpora.get(m)!.join("\n") : ""]));
  const figures: Figures = new Map(modes.map((m) => [m, { old: [], now: [], ratio: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const lines = corpora.get(mode)!;
      const text = texts.get(mode)!;
      let a: number;
      let b: number;
      if (round % 2 === 0) {
        a = run(mode, lines, text, old);
        b = run(mode, lines, text, now);
      } else {
        b = run(mode, lines, text, now);
        a = run(mode, lines, text, old);
      }
      const f = figures.get(mode)!;
      f.old.push(a);
      f.now.push(b);
      f.ratio.push(b / a);
      console.log(
        `round ${round} ${mode}: old ${Math.round(a)} new ${Math.round(b)} lines/CPU-s, ratio ${(b / a).toFixed(3)}`,
      );
    }
  }
  for (const [mode, f] of figures)
    console.log(
      `${mode} (${corpora.get(mode)!.length.toLocaleString("en")} lines): old median ${fmt(median(f.old))}, new median ${fmt(median(f.now))} lines/CPU-s; median ratio ${median(f.ratio).toFixed(3)}`,
    );
  if (process.argv.includes("--child"))
    console.log(`${RESULT}${JSON.stringify(Object.fromEntries(figures))}`);
}

await main();
