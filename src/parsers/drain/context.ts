/**
 * Masking that needs the neighbouring tokens: month and weekday names inside a date (`at Sun Jul 10
 * 03:55:15 2005`), and size or duration units right after a number (`2.1 KB`, `free 317.5 MB`).
 * Works in place on the scanner's per-token arrays, on the line's char codes.
 */
import { STRONG, WEAK } from "./mask.js";
import { hashSpan, hashWild, KEY_HASH_SEED } from "./wild.js";

/** `LineScanner.ctx` values: no rule, a date name (shape and key `<*>`), a unit (`<*>` + punctuation). */
export const CTX_NONE = 0;
export const CTX_DATE = 1;
export const CTX_UNIT = 2;

const WILD_HASH = hashWild(KEY_HASH_SEED);

/**
 * What the rules read and write of the scanner (`LineScanner`, `scan.ts`, which calls them): its line's
 * char codes and per-token arrays. Declared here, so that the rules need not import the scanner back.
 */
export interface ContextTokens {
  readonly codes: Uint16Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly ctx: Uint8Array;
  readonly unitEnd: Int32Array;
  readonly endsWild: Uint8Array;
  readonly keyHash: Int32Array;
  readonly strength: Uint8Array;
  fillEndsWild(n: number): void;
}

export function applyContext(sc: ContextTokens, n: number): void {
  sc.fillEndsWild(n);
  const line = sc.codes;
  const start = sc.start;
  const end = sc.end;
  const endsWild = sc.endsWild;
  // Right to left, so `Sun Jul 10` masks `Jul` (before a number), then `Sun` (before a masked name).
  let nextDate = false;
  for (let i = n - 1; i >= 0; i--) {
    const a = start[i]!;
    const isDate: boolean =
      end[i]! - a === 3 &&
      isDateName(line, a) &&
      (nextDate || (i + 1 < n && startsNumeric(line, start[i + 1]!)) || (i > 0 && endsWild[i - 1] === 1));
    if (isDate) {
      sc.ctx[i] = CTX_DATE;
      sc.keyHash[i] = WILD_HASH;
      sc.strength[i] = STRONG;
      endsWild[i] = 1;
    }
    nextDate = isDate;
  }
  for (let i = 1; i < n; i++) {
    const a = start[i]!;
    const b = end[i]!;
    if (b - a > 8 || endsWild[i - 1] !== 1) continue;
    const e = trimPunct(line, a, b);
    if (e > a && isUnit(line, a, e)) {
      sc.ctx[i] = CTX_UNIT;
      sc.unitEnd[i] = e;
      sc.keyHash[i] = hashSpan(line, e, b, WILD_HASH);
      sc.strength[i] = WEAK;
      endsWild[i] = e === b ? 1 : 0;
    }
  }
}

function startsNumeric(s: Uint16Array, a: number): boolean {
  const c = s[a]!;
  return c >= 48 && c <= 57;
}

function trimPunct(s: Uint16Array, a: number, b: number): number {
  let e = b;
  while (e > a) {
    const c = s[e - 1]!;
    if (c === 44 || c === 41 || c === 59 || c === 46 || c === 93) e--;
    else break;
  }
  return e;
}

function code3(s: Uint16Array, a: number): number {
  const x = s[a]!;
  const y = s[a + 1]!;
  const z = s[a + 2]!;
  if ((x | y | z) > 127) return -1;
  return (x << 16) | (y << 8) | z;
}

const DATE_WORDS = [
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
];
const DATE_NAMES = new Set(
  DATE_WORDS.map((w) =>
    code3(
      Uint16Array.from(w, (ch) => ch.charCodeAt(0)),
      0,
    ),
  ),
);

function isDateName(s: Uint16Array, a: number): boolean {
  return DATE_NAMES.has(code3(s, a));
}

const UNITS = [
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
];

/** First chars of date names and units. */
const FIRST = new Uint8Array(256);
for (const w of [...DATE_WORDS, ...UNITS]) FIRST[w.charCodeAt(0)] = 1;

/** Units by length (1 to 4): a short word is checked against the few of its own length only. */
const UNITS_BY_LENGTH: string[][] = [[], [], [], [], []];
for (const u of UNITS) UNITS_BY_LENGTH[u.length]!.push(u);

function isUnit(s: Uint16Array, a: number, e: number): boolean {
  const n = e - a;
  if (n > 4) return false;
  const units = UNITS_BY_LENGTH[n]!;
  for (let i = 0; i < units.length; i++) {
    const u = units[i]!;
    let k = 0;
    while (k < n && s[a + k] === u.charCodeAt(k)) k++;
    if (k === n) return true;
  }
  return false;
}

/**
 * Whether a literal token could trigger a rule (a date name, or a unit after trimming). Tokens with
 * digits or slashes never can, so the scanner asks only for literal tokens and skips `applyContext`
 * on the many lines where none qualifies.
 */
export function contextCandidate(s: Uint16Array, a: number, b: number): boolean {
  const n = b - a;
  if (n > 8) return false;
  // Most words fail on their first char: every date name and unit starts with one of a few letters.
  const c0 = s[a]!;
  if (c0 > 255 || FIRST[c0] === 0) return false;
  if (n === 3 && isDateName(s, a)) return true;
  const e = trimPunct(s, a, b);
  return e > a && isUnit(s, a, e);
}
