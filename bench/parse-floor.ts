/**
 * Where raw-line mining stands against the cost of reading its input: `npx tsx bench/parse-floor.ts`
 * times, in one process and in turns (the order rotates by round), on bench:parse's raw corpus:
 *
 * - `read`: one `charCodeAt` pass over every char of every line, the lines as the corpus gives them
 *   (slices of one large string, as a line reader makes them);
 * - `read-flat`: the same pass over flat copies of the lines (a line decoded on its own);
 * - `split`: `splitHeader` alone;
 * - `body`: `DrainMiner.add` on the bodies and times `splitHeader` returned (a fresh miner a round);
 * - `steps`: `splitHeader` + `DrainMiner.add`, bench:parse's raw baseline;
 * - `raw`: `RawLineMiner.add`, what bench:parse's raw rows time.
 *
 * Prints CPU µs a line (process CPU time, user + system) per stage, medians over the rounds, and the
 * lines per CPU-second they allow. Issue 18 asks for 1,000,000 raw lines per CPU-second: 1 µs a line,
 * against which one read of the line's chars is the floor that no change to the miner removes.
 *
 * Options: `--rounds=N` (5), `--lines=N` (1,000,000), `--nonrepeating` (the corpus with a counter in
 * every number of the bodies).
 */
import { DrainMiner } from "../src/parsers/drain/index.js";
import { splitHeader } from "../src/parsers/header.js";
import { RawLineMiner } from "../src/parsers/raw-line-miner.js";
import { option } from "./lib/options.js";
import { median } from "./lib/report.js";
import { datasetNames, nonRepeating, rawTexts, repeatTexts, splitLines } from "./parse-golden-corpus.js";

/** One pass over every char, summed so the loop is not optimised away. */
function readChars(lines: readonly string[]): number {
  let sum = 0;
  for (const line of lines) {
    const n = line.length;
    for (let i = 0; i < n; i++) sum = (sum + line.charCodeAt(i)) | 0;
  }
  return sum;
}

function splitOnly(lines: readonly string[]): number {
  let sum = 0;
  for (const line of lines) sum += splitHeader(line).body.length;
  return sum;
}

function mineBodies(bodies: readonly string[], times: readonly (string | undefined)[]): number {
  const miner = new DrainMiner();
  let sum = 0;
  for (let i = 0; i < bodies.length; i++) sum += miner.add("bench", bodies[i]!, times[i]).params.length;
  return sum;
}

function mineRaw(lines: readonly string[]): number {
  const raw = new RawLineMiner(new DrainMiner());
  let sum = 0;
  for (const line of lines) sum += raw.add("bench", line).match.params.length;
  return sum;
}

function mineSteps(lines: readonly string[]): number {
  const miner = new DrainMiner();
  let sum = 0;
  for (const line of lines) {
    const h = splitHeader(line);
    sum += miner.add("bench", h.body, h.timestamp ?? undefined).params.length;
  }
  return sum;
}

/** CPU µs a line of one run of `work`. */
function timed(count: number, work: () => number): number {
  const cpu0 = process.cpuUsage();
  const sink = work();
  const cpu = process.cpuUsage(cpu0);
  if (sink === 0.5) console.log(sink);
  return (cpu.user + cpu.system) / count;
}

function main(): void {
  const rounds = Number(option("rounds", "5"));
  const limit = Number(option("lines", "1000000"));
  let text = repeatTexts(rawTexts(datasetNames()));
  if (process.argv.includes("--nonrepeating")) text = nonRepeating(text, true);
  const lines: string[] = [];
  for (const line of splitLines(text)) {
    if (lines.length >= limit) break;
    lines.push(line);
  }
  // Flat copies: a string built from a buffer is a string of its own, not a view into the corpus.
  const flat = lines.map((line) => Buffer.from(line, "utf8").toString("utf8"));
  const bodies: string[] = [];
  const times: (string | undefined)[] = [];
  for (const line of lines) {
    const h = splitHeader(line);
    bodies.push(h.body);
    times.push(h.timestamp ?? undefined);
  }
  const chars = lines.reduce((sum, line) => sum + line.length, 0) / lines.length;
  const stages: [string, () => number][] = [
    ["read", () => readChars(lines)],
    ["read-flat", () => readChars(flat)],
    ["split", () => splitOnly(lines)],
    ["body", () => mineBodies(bodies, times)],
    ["steps", () => mineSteps(lines)],
    ["raw", () => mineRaw(lines)],
  ];
  const figures = new Map(stages.map(([name]) => [name, [] as number[]]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < stages.length; k++) {
      const [name, work] = stages[(k + round) % stages.length]!;
      figures.get(name)!.push(timed(lines.length, work));
    }
  }
  console.log(
    `${lines.length.toLocaleString("en")} raw lines, ${chars.toFixed(1)} chars a line, ${rounds} rounds (medians)`,
  );
  const read = median(figures.get("read")!);
  for (const [name, us] of figures) {
    const m = median(us);
    console.log(
      `${name.padEnd(10)} ${m.toFixed(3)} µs a line  ${Math.round(1e6 / m)
        .toLocaleString("en")
        .padStart(12)} lines/CPU-s  ${(m / read).toFixed(1)}x read`,
    );
  }
}

main();
