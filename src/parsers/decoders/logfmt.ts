import type { LogRecord } from "../../core/log-record.js";
import type { DecodeContext } from "./decode-context.js";
import { setField } from "./json-fields.js";
import { recordFromObject } from "./json-record.js";

/** Share of the line's non-space characters that must be `key=value` tokens for it to count as logfmt. */
const MIN_COVERAGE = 0.6;

function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 0x5f || c === 0x40; // a-z A-Z _ @
}

function isKeyChar(c: number): boolean {
  // Letters, digits, `_ @ . - /`: dotted and dashed names appear in practice (`http.status`, `trace-id`).
  return isKeyStart(c) || (c >= 48 && c <= 57) || c === 0x2e || c === 0x2d || c === 0x2f;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };

/**
 * Parses a logfmt line: `key=value key2="quoted \"value\"" flag`. A bare key is `"true"`; a repeated key
 * keeps its last value. Returns null when the line is not logfmt: fewer than two `key=value` pairs,
 * pairs covering less than 60% of the non-space text, a token that is not a valid key, or a broken quote.
 * That keeps prose that merely contains `port=22` on the plain-text path with its body intact.
 */
export function parseLogfmt(line: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  const n = line.length;
  let pairs = 0;
  let covered = 0;
  let total = 0;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    if (!isKeyStart(line.charCodeAt(i))) return null;
    i++;
    while (i < n && isKeyChar(line.charCodeAt(i))) i++;
    const key = line.slice(start, i);
    if (i >= n || isSpace(line.charCodeAt(i))) {
      setField(out, key, "true");
      total += i - start;
      continue;
    }
    if (line.charCodeAt(i) !== 0x3d) return null; // some other character inside the key
    i++;
    let value: string;
    if (line.charCodeAt(i) === 0x22) {
      i++;
      value = "";
      let from = i;
      for (;;) {
        if (i >= n) return null; // unterminated quote
        const c = line.charCodeAt(i);
        if (c === 0x22) break;
        if (c === 0x5c && i + 1 < n) {
          const e = line[i + 1]!;
          let rep = ESCAPES[e];
          let skip = 2;
          if (rep === undefined && e === "u" && /^[0-9a-fA-F]{4}$/.test(line.slice(i + 2, i + 6))) {
            rep = String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 6), 16));
            skip = 6;
          }
          if (rep !== undefined) {
            value += line.slice(from, i) + rep;
            i += skip;
            from = i;
            continue;
          }
        }
        i++;
      }
      value += line.slice(from, i);
      i++;
      if (i < n && !isSpace(line.charCodeAt(i))) return null;
    } else {
      const vs = i;
      while (i < n && !isSpace(line.charCodeAt(i))) i++;
      value = line.slice(vs, i);
    }
    setField(out, key, value);
    pairs++;
    covered += i - start;
    total += i - start;
  }
  if (pairs < 2 || covered < total * MIN_COVERAGE) return null;
  return out;
}

/**
 * Decodes a logfmt line with the JSON field aliases (`msg`, `level`, `time`/`ts`, `service`, …); the other
 * pairs become string attributes. A line without a message field keeps the whole line as its body.
 * Null when the line is not logfmt.
 */
export function decodeLogfmt(line: string, ctx: DecodeContext): LogRecord | null {
  const pairs = parseLogfmt(line);
  return pairs === null ? null : recordFromObject(pairs, ctx, line);
}
