import { canonicalIsoMs } from "../core/time.js";

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
