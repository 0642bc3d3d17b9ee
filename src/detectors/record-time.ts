import { daysInMonth, utcMs } from "../core/time.js";

/**
 * `Date.parse(timestamp)`, the time every detector reads a record at, with the canonical form read by
 * hand: `YYYY-MM-DDTHH:MM:SS.mmmZ` is what ingest stores (`isoFromText`) and `Date.parse` spent about
 * 0.6 µs on it, the largest single cost of the template and volume detectors. Only that exact shape
 * with in-range fields takes the fast path; anything else (other shapes, an hour 24, a 30 February) goes
 * to `Date.parse`, so the result is `Date.parse`'s whatever the text (a test compares them).
 */
export function recordTimeMs(timestamp: string): number {
  const fast = canonicalIsoMs(timestamp);
  return fast === undefined ? Date.parse(timestamp) : fast;
}

/** Epoch ms of canonical ISO UTC text with in-range fields; undefined for anything else. */
function canonicalIsoMs(s: string): number | undefined {
  if (
    s.length !== 24 ||
    s.charCodeAt(4) !== 0x2d ||
    s.charCodeAt(7) !== 0x2d ||
    s.charCodeAt(10) !== 0x54 ||
    s.charCodeAt(13) !== 0x3a ||
    s.charCodeAt(16) !== 0x3a ||
    s.charCodeAt(19) !== 0x2e ||
    s.charCodeAt(23) !== 0x5a
  )
    return undefined;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  const ms = digits(s, 20, 3);
  if (
    year < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59 ||
    ms < 0
  )
    return undefined;
  return utcMs(year, month - 1, day, hour, minute, second, ms);
}

/** The decimal number written by `count` digits at `from`; -1 when one of them is not a digit. */
function digits(s: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
