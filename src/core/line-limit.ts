import { UserError } from "./errors.js";
import type { LogRecord } from "./log-record.js";

/**
 * One limit on a line's length for every door (issue 50): HTTP JSON and NDJSON, uploads, syslog UDP and
 * TCP, OTLP, files and the PostgreSQL source all hold a message to `MAX_LINE_BYTES` UTF-8 bytes. A longer
 * one is cut at a character boundary and ends with a visible mark (`cutLine`), and its record carries
 * `LINE_CUT` (and `LINE_BYTES`, its length before the cut, when the door knew it); or, with
 * `LINE_TOO_LONG=refuse`, a door that can answer refuses the request (413 `line_too_long`,
 * `lineTooLong`) and one that cannot (syslog, files, PostgreSQL) skips the line, counted and logged.
 * Before, `POST /ingest` stored a 12 MB message whole while uploads and files cut lines at 64 KiB.
 * docs/reliability.md lists the budgets.
 */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024;

/** The smallest limit the configuration takes: room for a syslog header, a message and the mark. */
export const MIN_MAX_LINE_BYTES = 1024;

/**
 * The largest limit the configuration takes. Measured (test/reliability/long-lines-memory.test.ts, eight
 * 12 MB lines written and read back through `serve` on the segment store): at 1 MiB the peak RSS was
 * 791 MiB; at 4 MiB reading them back took 2.4 GiB and 44 s (the segment store's search over multi-MB
 * messages), and with 16 MiB on the table store writing alone peaked at 1.7 GiB. The goal is 1.5 GB.
 */
export const MAX_MAX_LINE_BYTES = 1024 * 1024;

/** What a door does with a line past the limit. */
export type LineTooLongAction = "cut" | "refuse";

export interface LineLimit {
  /** Longest message kept, in UTF-8 bytes, the mark included. */
  maxBytes: number;
  onTooLong: LineTooLongAction;
}

export const DEFAULT_LINE_LIMIT: LineLimit = { maxBytes: DEFAULT_MAX_LINE_BYTES, onTooLong: "cut" };

/** The attribute that flags a record whose message was cut to the limit (`true`). */
export const LINE_CUT = "logwarden.line_cut";
/** The cut message's length before the cut, in UTF-8 bytes, when the door knew it. */
export const LINE_BYTES = "logwarden.line_bytes";

/** Where the mark starts: what follows it is the mark's own words, up to the closing bracket. */
const MARK_START = " …[cut: ";

/** The mark that ends a cut message: how long the line was (when known) and the limit. */
export function cutMark(originalBytes: number | null, maxBytes: number): string {
  const was = originalBytes === null ? `more than ${maxBytes}` : String(originalBytes);
  return `${MARK_START}line of ${was} bytes, MAX_LINE_BYTES is ${maxBytes}]`;
}

/**
 * UTF-8 length of `text`, without encoding it. A lone surrogate counts 3 bytes, as `TextEncoder` writes
 * it (U+FFFD). Stops counting once past `stopAfter` (then the answer is only known to exceed it).
 */
export function utf8Bytes(text: string, stopAfter = Number.POSITIVE_INFINITY): number {
  // Node's own count is native: a 12 MB line in milliseconds.
  if (stopAfter === Number.POSITIVE_INFINITY) return Buffer.byteLength(text, "utf8");
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
    if (bytes > stopAfter) return bytes;
  }
  return bytes;
}

/** Whether `text` is longer than `maxBytes` in UTF-8; a short string is answered without counting. */
export function overLimit(text: string, maxBytes: number): boolean {
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a pair, two units, is 4).
  if (text.length * 3 <= maxBytes) return false;
  if (text.length > maxBytes) return true;
  return utf8Bytes(text, maxBytes) > maxBytes;
}

/**
 * The longest start of `text` of at most `maxBytes` UTF-8 bytes that does not split a character (a
 * surrogate pair stays whole or goes whole).
 */
export function utf8Prefix(text: string, maxBytes: number): string {
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let width = 1;
    let units = 1;
    if (c >= 0x80) width = c < 0x800 ? 2 : 3;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        width = 4;
        units = 2;
      }
    }
    if (bytes + width > maxBytes) break;
    bytes += width;
    i += units;
  }
  return text.slice(0, i);
}

/** A message cut to the limit: its new text (mark included) and its length before, when known. */
export interface LineCut {
  text: string;
  originalBytes: number | null;
}

/**
 * `text` held to `maxBytes` UTF-8 bytes: null when it fits, else its start cut at a character boundary
 * and the mark (`cutMark`), together at most `maxBytes`. The one cutting function of every door; a door
 * that read only the start of a longer line (a syslog frame, a file line) passes what it kept and, when it
 * counted them, the line's bytes (`originalBytes`).
 */
export function cutLine(text: string, maxBytes: number, originalBytes?: number | null): LineCut | null {
  let was: number | null;
  if (originalBytes === undefined) {
    if (!overLimit(text, maxBytes)) return null;
    was = utf8Bytes(text);
  } else {
    if (originalBytes !== null && originalBytes <= maxBytes && !overLimit(text, maxBytes)) return null;
    was = originalBytes;
  }
  const mark = cutMark(was, maxBytes);
  return { text: utf8Prefix(text, Math.max(0, maxBytes - utf8Bytes(mark))) + mark, originalBytes: was };
}

/**
 * The cut a reader already made: a door that reads lines from a stream (a syslog TCP frame, a file or an
 * upload line: `SyslogFrameReader`, `LineAssembler`) keeps only the start of an over-long line, so memory
 * stays bounded, and marks it there (`cutLine`); the record is made from the marked text later. Null
 * when `text` does not end with the mark of this limit. A line whose sender wrote the mark itself reads
 * as cut: it is flagged, and keeps every byte it came with.
 */
export function markedCut(text: string, maxBytes: number): LineCut | null {
  const tail = ` bytes, MAX_LINE_BYTES is ${maxBytes}]`;
  if (!text.endsWith(tail)) return null;
  const start = text.lastIndexOf(MARK_START);
  if (start === -1) return null;
  const words = text.slice(start + MARK_START.length, text.length - tail.length);
  if (!words.startsWith("line of ")) return null;
  const was = words.slice("line of ".length);
  if (was === `more than ${maxBytes}`) return { text, originalBytes: null };
  return /^[0-9]{1,15}$/.test(was) ? { text, originalBytes: Number(was) } : null;
}

/**
 * `text` as a door keeps it: cut here when it is past the limit (`cutLine`), or as its reader cut it
 * (`markedCut`); `cut` is null when the line is whole. The call every door makes on a line.
 */
export function holdLine(text: string, maxBytes: number): { text: string; cut: LineCut | null } {
  const cut = cutLine(text, maxBytes) ?? markedCut(text, maxBytes);
  return { text: cut ? cut.text : text, cut };
}

/** Flags `record` as cut (`LINE_CUT`, and `LINE_BYTES` when known). */
export function noteLineCut(record: LogRecord, cut: LineCut): void {
  record.attributes[LINE_CUT] = true;
  if (cut.originalBytes !== null) record.attributes[LINE_BYTES] = cut.originalBytes;
}

/** What `/ingest`'s `warnings` and a door's log say about a cut line. */
export function lineCutWarning(cut: LineCut, maxBytes: number): string {
  const was = cut.originalBytes === null ? `more than ${maxBytes}` : String(cut.originalBytes);
  return `line of ${was} bytes cut to MAX_LINE_BYTES (${maxBytes}); the record is flagged ${LINE_CUT}`;
}

/** The 413 a door that can answer gives for a line past the limit when the operator chose to refuse. */
export function lineTooLong(originalBytes: number | null, maxBytes: number, where?: string): UserError {
  const was = originalBytes === null ? `more than ${maxBytes}` : String(originalBytes);
  return new UserError(
    `${where ? `${where}: ` : ""}a line of ${was} bytes is longer than MAX_LINE_BYTES (${maxBytes}), and LINE_TOO_LONG is refuse`,
    "line_too_long",
  );
}

/**
 * The length in bytes of `text` when it is past `limit`, else null: what a door that refuses checks
 * before it stores anything of a request.
 */
export function tooLongBytes(text: string, maxBytes: number): number | null {
  return overLimit(text, maxBytes) ? utf8Bytes(text) : null;
}

/**
 * What a read shows of a line in a list (a page of logs, a template list, an anomaly's evidence, an MCP
 * result, the CLI's text): the first 16 KiB, so a page of 100 lines is at most about 1.6 MB whatever was
 * stored. A fetch of one line shows up to `MAX_LINE_BYTES`.
 */
export const SHOWN_LINE_BYTES = 16 * 1024;

/** What a read shows of `text` held to `maxBytes`: null when it is shown whole. */
export interface ShownText {
  /** The start, cut at a character boundary, ending with "…"; at most `maxBytes` UTF-8 bytes. */
  text: string;
  /** The whole text's length in UTF-8 bytes. */
  bytes: number;
}

/** `text` as a read shows it within `maxBytes`, or null when it fits whole. */
export function shownText(text: string, maxBytes: number = SHOWN_LINE_BYTES): ShownText | null {
  if (!overLimit(text, maxBytes)) return null;
  return { text: `${utf8Prefix(text, Math.max(0, maxBytes - 3))}…`, bytes: utf8Bytes(text) };
}

/** A message as a read shows it, as fields to spread into the answer: `truncated` and `message_bytes` when cut. */
export function shownMessage(
  text: string,
  maxBytes: number = SHOWN_LINE_BYTES,
): { message: string; truncated?: true; message_bytes?: number } {
  const shown = shownText(text, maxBytes);
  return shown ? { message: shown.text, truncated: true, message_bytes: shown.bytes } : { message: text };
}

/**
 * `value` with every string longer than `maxBytes` shown as its start (`shownText`): what a read returns
 * of a structured value that holds lines (an anomaly's explanation samples, a record's attributes). A
 * value within the input budget (`src/core/input-budget.ts`) is at most 128 levels deep.
 */
export function shownValue<T>(value: T, maxBytes: number = SHOWN_LINE_BYTES): T {
  if (typeof value === "string") return (shownText(value, maxBytes)?.text ?? value) as T;
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => shownValue(v, maxBytes)) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    // Own keys only; `__proto__` as a key stays a key (defineProperty, not assignment).
    Object.defineProperty(out, key, {
      value: shownValue(v, maxBytes),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out as T;
}
