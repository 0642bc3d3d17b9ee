/**
 * `logwarden logs export`: every stored line a search matches, written out for other tools (a spreadsheet,
 * jq, a database's loader) on either log store, page by page, so memory stays the same however many lines
 * there are. System 004's readers opened the `logs` table of the SQLite file; with the segment store, the
 * default since issue 50, this is how lines leave Logwarden.
 */
import type { LogPosition, LogQuery, LogStore, StoredRecord } from "../core/log-store.js";
import { terminalSafe, terminalSafeJson } from "../core/terminal-safe.js";
import { csvCell } from "../parsers/drain/csv-output.js";

export type LogExportFormat = "ndjson" | "csv";

/** The columns of an export, named as the `logs` table names them (`metadata`: the record's attributes). */
export const LOG_EXPORT_COLUMNS = [
  "id",
  "timestamp",
  "service",
  "host",
  "level",
  "severity_number",
  "stream",
  "template_id",
  "message",
  "metadata",
] as const;

export interface LogExportOptions {
  format: LogExportFormat;
  /** At most this many lines; unset: every match. */
  limit?: number | undefined;
  /** Lines read from the store at a time (memory holds one page). */
  pageSize?: number;
}

/** Lines a page holds unless told otherwise: a few MB at most for ordinary lines. */
const PAGE_SIZE = 1_000;
/** Text handed to `write` at a time, at least (a page of long lines is not held as text twice). */
const WRITE_CHARS = 256 * 1024;

/**
 * Writes the records matching `query`, newest first (search order: record time, ties by greater id), one
 * NDJSON object or CSV row each (CSV: a header row first), through `write`, which resolves when the text
 * may be followed by more (a stream's back-pressure). Returns the number of records written.
 *
 * NDJSON keeps every value exactly (JSON escapes; DEL and C1 controls as `\u00XX`). CSV is for people: each
 * cell's control characters are shown escaped (`\x1b`, as the CLI's text output) and a cell beginning with
 * `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so no spreadsheet runs it as a formula (`csvCell`).
 */
export async function exportLogs(
  logs: Pick<LogStore<unknown>, "search">,
  query: LogQuery,
  options: LogExportOptions,
  write: (text: string) => Promise<void>,
): Promise<number> {
  const pageSize = Math.max(1, options.pageSize ?? PAGE_SIZE);
  const row = options.format === "csv" ? csvRow : ndjsonRow;
  if (options.format === "csv") await write(`${LOG_EXPORT_COLUMNS.join(",")}\n`);
  let written = 0;
  let after: LogPosition | undefined;
  for (;;) {
    const limit = Math.min(pageSize, options.limit === undefined ? pageSize : options.limit - written);
    if (limit <= 0) return written;
    const page = await logs.search(query, { limit, after });
    if (page.length === 0) return written;
    let text = "";
    for (const r of page) {
      text += row(r);
      if (text.length >= WRITE_CHARS) {
        await write(text);
        text = "";
      }
    }
    if (text.length > 0) await write(text);
    written += page.length;
    if (page.length < limit) return written;
    const last = page[page.length - 1]!;
    after = { timestamp: last.timestamp, ref: last.ref };
  }
}

/**
 * A stored record as every door outside the store names its fields (`id`, `template_id`, snake_case, as
 * the REST API does): the export's NDJSON object, and `logs search --json`'s line.
 */
export function exportObject(r: StoredRecord) {
  return {
    id: r.ref,
    timestamp: r.timestamp,
    service: r.service,
    host: r.host,
    level: r.level,
    severity_number: r.severityNumber,
    stream: r.stream,
    template_id: r.templateId,
    message: r.message,
    metadata: r.attributes,
  };
}

function ndjsonRow(r: StoredRecord): string {
  return `${terminalSafeJson(JSON.stringify(exportObject(r)))}\n`;
}

function csvRow(r: StoredRecord): string {
  const o = exportObject(r);
  const cells = [
    String(o.id),
    o.timestamp,
    o.service,
    o.host ?? "",
    o.level ?? "",
    String(o.severity_number),
    o.stream,
    o.template_id ?? "",
    o.message,
    JSON.stringify(o.metadata),
  ];
  return `${cells.map((c) => csvCell(terminalSafe(c))).join(",")}\n`;
}
