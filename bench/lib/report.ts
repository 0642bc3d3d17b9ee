import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";

/**
 * The file sections are written to: docs/benchmarks.md, or BENCH_DOC (a trial run that must not touch the
 * published figures, e.g. an A/B comparison while other work shares the checkout).
 */
const DOC = process.env.BENCH_DOC ?? new URL("../../docs/benchmarks.md", import.meta.url);
const HEADER = `# Benchmarks

Every figure here is written by a script under \`bench/\` (\`npm run bench:<name>\`); each section says which.
Run them again on your machine to compare; the machine each run used is noted in its section.
`;

/** The machine line every section starts with. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`;
}

/**
 * Replaces (or appends) the section named `name` in docs/benchmarks.md, so each benchmark owns its
 * part of the file and re-running one never clobbers another's figures.
 */
export function writeBenchSection(name: string, markdown: string): void {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = `${start}\n${markdown.trim()}\n${end}`;
  let doc = existsSync(DOC) ? readFileSync(DOC, "utf8") : HEADER;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) doc = doc.slice(0, i) + block + doc.slice(j + end.length);
  else doc = `${doc.trimEnd()}\n\n${block}\n`;
  writeFileSync(DOC, doc);
}

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Renders a Markdown table. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The 1, 5 and 15 minute load averages, as "2.6 2.1 1.8". */
export function loadAverages(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
}

/** A number with thousands separators and `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  return n.toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
