import { readFileSync } from "node:fs";
import { join } from "node:path";
import { LOGHUB_DIR, LOGHUB_SYSTEMS } from "../../test/helpers/loghub.js";

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
 * The `Content` column of each system's structured CSV (the message with LogHub's header removed, so the
 * server stamps the time) with its level where the system has one.
 */
export function loadCorpus(): CorpusLine[] {
  const lines: CorpusLine[] = [];
  for (const system of LOGHUB_SYSTEMS) {
    const rows = parseCsv(readFileSync(join(LOGHUB_DIR, system, `${system}_2k.log_structured.csv`), "utf8"));
    const head = rows[0]!;
    const content = head.indexOf("Content");
    const level = head.indexOf("Level");
    for (const row of rows.slice(1)) {
      const text = row[content];
      if (!text) continue;
      const raw = level >= 0 ? (row[level] ?? "").toLowerCase() : "";
      lines.push({ service: system.toLowerCase(), level: LEVELS.get(raw) ?? "INFO", content: text });
    }
  }
  return lines;
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
