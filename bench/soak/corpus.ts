import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { splitHeader } from "../../src/parsers/header.js";
import { LOGHUB_SYSTEMS, loghubLines } from "../../test/helpers/loghub.js";
import { GT_DIR } from "../parse-golden-corpus.js";

const LEVELS = new Map([
  ["info", "INFO"],
  ["notice", "INFO"],
  ["warn", "WARN"],
  ["warning", "WARN"],
  ["error", "ERROR"],
  ["fatal", "FATAL"],
  ["severe", "ERROR"],
  ["failure", "ERROR"],
]);

export interface CorpusLine {
  service: string;
  level: string;
  content: string;
}

/**
 * The ten LogHub systems' messages with their header removed, so the server stamps the time, each with its
 * level where the system has one: the `Content` and `Level` columns of LogHub's ground truth
 * (`<X>_2k.log_structured.csv`, in ../shared/datasets/loghub-2k beside the clone) when it is there, else
 * the raw samples in the repository (test/fixtures/loghub-2k) with the header `splitHeader` finds removed
 * (the same body for 91% of the lines; Linux's differ most, its ground truth keeping the `prog[pid]:`).
 */
export function loadCorpus(): CorpusLine[] {
  const groundTruth = LOGHUB_SYSTEMS.every((system) => existsSync(structuredCsv(system)));
  const lines: CorpusLine[] = [];
  for (const system of LOGHUB_SYSTEMS)
    for (const { content, level } of groundTruth ? groundTruthLines(system) : rawLines(system)) {
      if (!content) continue;
      lines.push({
        service: system.toLowerCase(),
        level: LEVELS.get(level.toLowerCase()) ?? "INFO",
        content,
      });
    }
  return lines;
}

const structuredCsv = (system: string) => join(GT_DIR, system, `${system}_2k.log_structured.csv`);

function groundTruthLines(system: string): { content: string | undefined; level: string }[] {
  const rows = parseCsv(readFileSync(structuredCsv(system), "utf8"));
  const head = rows[0]!;
  const content = head.indexOf("Content");
  const level = head.indexOf("Level");
  return rows.slice(1).map((row) => ({ content: row[content], level: level >= 0 ? (row[level] ?? "") : "" }));
}

function rawLines(system: string): { content: string; level: string }[] {
  return loghubLines(system).map((line) => {
    const header = splitHeader(line);
    return { content: header.body, level: header.level ?? "" };
  });
}

/** RFC 4180 rows: quoted fields may hold commas, doubled quotes and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
