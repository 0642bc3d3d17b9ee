import { DECODE_NOTE, INPUT_BUDGET, reasonOf } from "../../core/input-budget.js";
import { isJsonObject, type JsonObject, nestsDeeperThan } from "../../core/json.js";
import type { LogRecord } from "../../core/log-record.js";
import { isDigit } from "../chars.js";
import { looksLikeBsdDate } from "./bsd-date.js";
import type { DecodeContext } from "./decode-context.js";
import { recordFromObject } from "./json-record.js";
import { decodeLogfmt } from "./logfmt.js";
import { decodePlain } from "./plain.js";
import { parseSyslog } from "./syslog.js";

export type LineFormat = "json" | "syslog" | "logfmt" | "plain";

export interface DecodedLine {
  format: LineFormat;
  record: LogRecord;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** What `jsonObjectOf` gives for a JSON line nested past the input budget: kept as text. */
const TOO_DEEP = Symbol("too deep");
const TOO_DEEP_NOTE = `JSON nested deeper than ${INPUT_BUDGET.depth} levels; kept as text`;

/**
 * The JSON object a line holds, `TOO_DEEP`, or null; `{`…`}` is checked first so plain text never pays
 * for a throw. Depth is checked before parsing: walks over a deeper value overflow the stack.
 */
function jsonObjectOf(line: string): JsonObject | typeof TOO_DEEP | null {
  let a = 0;
  let b = line.length - 1;
  while (a <= b && isWs(line.charCodeAt(a))) a++;
  if (line.charCodeAt(a) !== 0x7b) return null;
  while (b > a && isWs(line.charCodeAt(b))) b--;
  if (line.charCodeAt(b) !== 0x7d) return null;
  if (nestsDeeperThan(line)) return TOO_DEEP;
  try {
    const v: unknown = JSON.parse(line);
    return isJsonObject(v) ? v : null;
  } catch {
    return null; // "{ not json }" is plain text
  }
}

/**
 * Decodes one logical line, choosing the format from the line itself, cheapest tests first:
 * JSON object (`{`…`}` that parses), syslog (`<digits>` or a BSD date prefix like `Jun 14 `), logfmt
 * (has `=` and passes `parseLogfmt`'s checks), otherwise plain text. A trailing `\r` and a leading
 * byte-order mark are dropped. Never throws: every line is attacker input, and a decoder that fails on
 * one keeps it as plain text with the reason in `DECODE_NOTE` (the error boundary of every door).
 */
export function decodeLineWithFormat(line: string, ctx: DecodeContext): DecodedLine {
  try {
    return decodeUnguarded(line, ctx);
  } catch (error) {
    return { format: "plain", record: unparsedRecord(line, ctx, `decoding failed (${reasonOf(error)})`) };
  }
}

function decodeUnguarded(line: string, ctx: DecodeContext): DecodedLine {
  let s = line;
  if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
  if (s.charCodeAt(s.length - 1) === 0x0d) s = s.slice(0, -1);
  const c0 = s.charCodeAt(0);
  if (c0 === 0x7b || isWs(c0)) {
    const obj = jsonObjectOf(s);
    if (obj === TOO_DEEP) return { format: "plain", record: unparsedRecord(s, ctx, TOO_DEEP_NOTE) };
    if (obj) return { format: "json", record: recordFromObject(obj, ctx) };
  }
  if (c0 === 0x3c ? isDigit(s.charCodeAt(1)) : looksLikeBsdDate(s)) {
    const record = parseSyslog(s, ctx);
    if (record) return { format: "syslog", record };
  }
  if (s.indexOf("=") !== -1) {
    const record = decodeLogfmt(s, ctx);
    if (record) return { format: "logfmt", record };
  }
  return { format: "plain", record: decodePlain(s, ctx) };
}

/** Decodes one logical line to a `LogRecord`; see `decodeLineWithFormat` for how the format is chosen. */
export function decodeLine(line: string, ctx: DecodeContext): LogRecord {
  return decodeLineWithFormat(line, ctx).record;
}

/**
 * A line kept as text because its structure was past the budget or a decoder failed on it: the whole line
 * as the body, stamped with the time it was received, and the reason noted. No header is read from it: in a
 * JSON line the plain decoder would find one inside a string (`"via":"relay Oct 11 22:14:15 gw sshd[7]: ok"`)
 * and take the time, the host and the body from there.
 */
function unparsedRecord(line: string, ctx: DecodeContext, reason: string): LogRecord {
  return {
    timestamp: ctx.observedAt,
    observedTimestamp: ctx.observedAt,
    severityText: null,
    severityNumber: 0,
    body: line,
    attributes: { [DECODE_NOTE]: reason },
    resource: ctx.defaultService ? { "service.name": ctx.defaultService } : {},
  };
}
