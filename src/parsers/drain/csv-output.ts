/** RFC 4180 output for `LineId,EventId,EventTemplate` predictions (the LogHub evaluators' format). */
import { terminalSafe } from "../../core/terminal-safe.js";

export const PREDICTION_HEADER = "LineId,EventId,EventTemplate";

/** Quotes a field when it holds a comma, a quote, CR or LF; doubles inner quotes. */
export function csvField(value: string): string {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 44 || c === 34 || c === 10 || c === 13) return `"${value.replace(/"/g, '""')}"`;
  }
  return value;
}

/**
 * A cell no spreadsheet reads as a formula (OWASP's rule against CSV injection): one that begins with `=`,
 * `+`, `-`, `@`, tab or carriage return gets a leading `'`, so `=HYPERLINK(…)` or `=cmd|…` from a log line
 * is shown as text instead of run when the file is opened. Every other value is unchanged.
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One cell of a CSV written for people (a terminal, a spreadsheet): neutralised, then quoted as needed. */
export function csvCell(value: string): string {
  return csvField(spreadsheetSafe(value));
}

/**
 * One row of `logwarden parse`'s CSV. The template comes from the log: its control characters are shown
 * escaped (`\x1b`, core/terminal-safe.ts) and a formula-like start is neutralised (`spreadsheetSafe`);
 * `--format json` keeps the template exactly. No LogHub-2k ground-truth or mined template begins with one
 * of those characters or holds a control character, so the evaluator's GA and PA are unchanged.
 */
export function predictionRow(lineId: number, eventId: string, template: string): string {
  return `${lineId},${csvCell(eventId)},${csvCell(terminalSafe(template))}`;
}
