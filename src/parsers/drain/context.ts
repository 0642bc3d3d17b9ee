import { STRONG, type Strength, WEAK, WILDCARD } from "./mask.js";

/**
 * Masking that needs the neighbouring tokens: month and weekday names inside a date (`at Sun Jul 10
 * 03:55:15 2005`), and size or duration units right after a number (`2.1 KB`, `free 317.5 MB`).
 * Works in place on the scanner's buffers.
 */
export function applyContext(
  toks: readonly string[],
  shapes: string[],
  keys: string[],
  strengths: Uint8Array,
  n: number,
): void {
  // Right to left, so `Sun Jul 10` masks `Jul` (before a number), then `Sun` (before a masked name).
  let nextDate = false;
  for (let i = n - 1; i >= 0; i--) {
    const tok = toks[i]!;
    const isDate: boolean =
      tok.length === 3 &&
      isDateName(tok) &&
      (nextDate || (i + 1 < n && startsNumeric(toks[i + 1]!)) || (i > 0 && endsWithWildcard(shapes[i - 1]!)));
    if (isDate) {
      shapes[i] = WILDCARD;
      keys[i] = WILDCARD;
      strengths[i] = STRONG as Strength;
    }
    nextDate = isDate;
  }
  for (let i = 1; i < n; i++) {
    const tok = toks[i]!;
    if (tok.length > 8 || !endsWithWildcard(shapes[i - 1]!)) continue;
    const end = trimPunct(tok);
    if (end > 0 && isUnit(end === tok.length ? tok : tok.slice(0, end))) {
      const shape = WILDCARD + tok.slice(end);
      shapes[i] = shape;
      keys[i] = shape;
      strengths[i] = WEAK as Strength;
    }
  }
}

function endsWithWildcard(s: string): boolean {
  return s.endsWith(WILDCARD);
}

function startsNumeric(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

function trimPunct(tok: string): number {
  let e = tok.length;
  while (e > 0) {
    const c = tok.charCodeAt(e - 1);
    if (c === 44 || c === 41 || c === 59 || c === 46 || c === 93) e--;
    else break;
  }
  return e;
}

const DATE_NAMES = new Set([
  "Mon",
  "Tue",
  "Wed",
  "Thu",
  "Fri",
  "Sat",
  "Sun",
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
]);

function isDateName(tok: string): boolean {
  return DATE_NAMES.has(tok);
}

const UNITS = new Set([
  "B",
  "KB",
  "MB",
  "GB",
  "TB",
  "PB",
  "KiB",
  "MiB",
  "GiB",
  "TiB",
  "kB",
  "ms",
  "us",
  "µs",
  "ns",
  "s",
  "sec",
  "secs",
]);

function isUnit(word: string): boolean {
  return UNITS.has(word);
}
