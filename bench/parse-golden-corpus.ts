/**
 * The inputs of `bench:parse`, in one place so that the benchmark and the golden check
 * (`bench/parse-golden.ts`) mine exactly the same lines: the LogHub-2k datasets as raw lines and as
 * message bodies, the ~1M-line corpus of all datasets repeated, and its non-repeating variant.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { csvRows } from "../src/parsers/csv.js";
import { splitHeader } from "../src/parsers/header.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const GT_DIR = join(ROOT, "../shared/datasets/loghub-2k");
export const CORPUS_LINES = 1_000_000;

/** The datasets that have a ground-truth file, sorted by name. */
export function datasetNames(): string[] {
  return readdirSync(GT_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(GT_DIR, e.name, `${e.name}_2k.log_structured.csv`)))
    .map((e) => e.name)
    .sort();
}

/** The `Content` column in LineId order: the benchmark's message-body input. */
export function readBodies(dataset: string): string[] {
  const rows = csvRows(readFileSync(join(GT_DIR, dataset, `${dataset}_2k.log_structured.csv`), "utf8"));
  const head = rows[0]!.map((h) => h.trim().replace(/^\ufeff/, ""));
  const idCol = head.indexOf("LineId");
  const contentCol = head.indexOf("Content");
  return rows
    .slice(1)
    .filter((r) => r.length > contentCol)
    .sort((a, b) => Number(a[idCol]) - Number(b[idCol]))
    .map((r) => r[contentCol]!);
}

/** Raw lines of `X_2k.log`: CRLF stripped, no phantom line after a final terminator. */
export function readRawLines(dataset: string): string[] {
  const text = readFileSync(join(GT_DIR, dataset, `${dataset}_2k.log`), "utf8");
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** Each dataset's raw file as one string without its final line break (lines still end in `\r`). */
export function rawTexts(datasets: readonly string[]): string[] {
  return datasets.map((d) => readFileSync(join(GT_DIR, d, `${d}_2k.log`), "utf8").replace(/\r?\n?$/, ""));
}

/** Each dataset's bodies joined by `\n`. */
export function bodyTexts(datasets: readonly string[]): string[] {
  return datasets.map((d) => readBodies(d).join("\n"));
}

/** The texts repeated, in order, until the result has at least `lines` lines: one big string. */
export function repeatTexts(texts: readonly string[], lines: number = CORPUS_LINES): string {
  const perRound = texts.reduce((a, r) => a + r.split("\n").length, 0);
  const parts: string[] = [];
  for (let i = 0; i < Math.ceil(lines / perRound); i++) parts.push(...texts);
  return parts.join("\n");
}

/**
 * The same corpus with a per-line counter written into every digit run of each message body (same
 * length, so shapes keep their form): no two lines repeat, so a cache keyed on whole lines, or on
 * anything but the masked shape and the header's minute, would not help here. Headers keep their
 * time-ordered timestamps.
 */
export function nonRepeating(corpus: string, withHeader: boolean): string {
  let counter = 0;
  return corpus
    .split("\n")
    .map((line) => freshLine(line, ++counter, withHeader))
    .join("\n");
}

/** Line number `counter` (from 1) of the non-repeating corpus, made from the repeated corpus's line. */
export function freshLine(line: string, counter: number, withHeader: boolean): string {
  return redrawDigitRuns(line, withHeader, (run) => counter * 7919 + run * 104729);
}

/**
 * The line with each digit run of its body (the whole line without a header) redrawn, keeping its width:
 * `draw(run)` for the run at that position, taken modulo 10^width. A run wider than 9 digits keeps its
 * leading digits.
 */
export function redrawDigitRuns(line: string, withHeader: boolean, draw: (run: number) => number): string {
  const body = withHeader ? splitHeader(line).body : line;
  const head = line.slice(0, line.length - body.length);
  let run = 0;
  return (
    head +
    body.replace(/\d+/g, (m) => {
      const width = Math.min(m.length, 9);
      const v = String(draw(run++) % 10 ** width).padStart(width, "0");
      return m.slice(0, m.length - width) + v;
    })
  );
}

/** Splits a text into lines without trailing `\r`, the same work a line reader does. */
export function* splitLines(text: string): Generator<string> {
  let start = 0;
  const n = text.length;
  while (start < n) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = n;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    yield text.slice(start, stop);
    start = end + 1;
  }
}
