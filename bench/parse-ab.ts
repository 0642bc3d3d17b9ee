/**
 * A/B of template mining against an older commit, in one process: `npx tsx bench/parse-ab.ts --ref=REF`
 * takes that commit's src/parsers and src/core (`git archive`, into bench/.out/parse-ab/<sha>), and times
 * its `splitHeader` + `DrainMiner` against the working tree's on bench:parse's corpora, the two taking
 * turns (which goes first alternates by round). Prints lines per CPU-second (process CPU time, user +
 * system) for each run, then medians and the median of the per-round ratios (new / old): on a shared
 * machine the ratio of runs made side by side is steadier than either figure.
 *
 * Options: `--rounds=N` (5), `--lines=N` (1,000,000 per corpus), `--modes=raw,rawu,body,bodyu,split,splitu`
 * (`raw`: RawLineMiner.add where the tree has it, else splitHeader + DrainMiner.add; `body`:
 * DrainMiner.add on message bodies; `split`: splitHeader alone; a `u` suffix: the non-repeating corpus).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { splitHeader } from "../src/parsers/header.js";
import { RawLineMiner } from "../src/parsers/raw-line-miner.js";
import { option } from "./lib/options.js";
import { median } from "./lib/report.js";
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
  return { sha, side: { split: header.splitHeader, miner: () => new drain.DrainMiner(), rawLine } };
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

/** Lines per CPU-second of one run of `mode` over `lines`, with a fresh miner. */
function run(mode: string, lines: readonly string[], side: Side): number {
  const miner = side.miner();
  let sink = 0;
  const cpu0 = process.cpuUsage();
  if (mode.startsWith("raw") && side.rawLine) {
    const add = side.rawLine();
    for (const line of lines) add(line);
  } else if (mode.startsWith("raw")) {
    for (const line of lines) {
      const h = side.split(line);
      miner.add("bench", h.body, h.timestamp ?? undefined);
    }
  } else if (mode.startsWith("split")) {
    for (const line of lines) sink += side.split(line).body.length;
  } else for (const line of lines) miner.add("bench", line);
  const cpu = process.cpuUsage(cpu0);
  if (sink < 0) console.log(sink);
  return lines.length / ((cpu.user + cpu.system) / 1e6);
}

async function main(): Promise<void> {
  const ref = option("ref", "");
  if (!ref)
    throw new Error(
      "usage: npx tsx bench/parse-ab.ts --ref=COMMIT [--rounds=5] [--lines=1000000] [--modes=…]",
    );
  const rounds = Number(option("rounds", "5"));
  const limit = Number(option("lines", "1000000"));
  const modes = option("modes", "raw,rawu,body,bodyu").split(",");
  const { sha, side: old } = await sideAt(ref);
  const now: Side = {
    split: splitHeader,
    miner: () => new DrainMiner(),
    rawLine: rawLineOf(RawLineMiner, DrainMiner),
  };
  console.log(`old: ${sha.slice(0, 12)} (${ref}); new: the working tree; ${rounds} rounds`);
  const corpora = new Map(modes.map((m) => [m, corpusOf(m, limit)]));
  const figures = new Map(
    modes.map((m) => [m, { old: [] as number[], now: [] as number[], ratio: [] as number[] }]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const mode of modes) {
      const lines = corpora.get(mode)!;
      let a: number;
      let b: number;
      if (round % 2 === 0) {
        a = run(mode, lines, old);
        b = run(mode, lines, now);
      } else {
        b = run(mode, lines, now);
        a = run(mode, lines, old);
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
  const lps = (x: number) => Math.round(x).toLocaleString("en");
  for (const [mode, f] of figures)
    console.log(
      `${mode} (${corpora.get(mode)!.length.toLocaleString("en")} lines): old median ${lps(median(f.old))}, new median ${lps(median(f.now))} lines/CPU-s; median ratio ${median(f.ratio).toFixed(3)}`,
    );
}

await main();
