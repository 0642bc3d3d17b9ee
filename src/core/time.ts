/** Lengths of time in milliseconds: one definition each, so no copy drifts (a day is 24 h in UTC). */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** 400 Gregorian years are exactly 146,097 days: shifting a date by them keeps its weekday and leap days. */
const GREGORIAN_CYCLE_MS = 146_097 * DAY_MS;

/**
 * `Date.UTC` for a full year: `Date.UTC` itself reads years 0-99 as 1900-1999 (`0050-01-01` would be
 * 1950), so those are computed 400 years later and shifted back, which is exact.
 */
export function utcMs(
  year: number,
  month0: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  if (year >= 0 && year < 100)
    return Date.UTC(year + 400, month0, day, hour, minute, second, ms) - GREGORIAN_CYCLE_MS;
  return Date.UTC(year, month0, day, hour, minute, second, ms);
}

/** ISO-8601 UTC with `Z` and millisecond precision. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * ISO-8601 dates and date-times: `2025-04-03`, or with a time (space or `T`, up to 9 fractional digits)
 * and an optional zone.
 */
export const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Parses any ISO-8601-like timestamp (a date alone, or a date-time with or without zone); a value
 * without a zone is taken as UTC. Returns epoch milliseconds or null. A day or offset out of range
 * (`2025-02-31`, `+25:00`) is null; other shapes fall back to `Date.parse`.
 */
export function parseTimestamp(value: string): number | null {
  const m = ISO_DATE_TIME.exec(value.trim());
  if (!m) {
    const fallback = Date.parse(value);
    return Number.isNaN(fallback) ? null : fallback;
  }
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const [year, month, day, hour, minute, second] = [y, mo, d, h ?? "0", mi ?? "0", s ?? "0"].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Out-of-range fields are no time at all: Date.UTC would roll 2026-13-45T99:00 over into 2027.
  // 24:00:00 (end of day) and a leap second :60 are ISO 8601 and roll over as they should.
  if (
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 24 ||
    (hour === 24 && (minute > 0 || second > 0 || ms > 0)) ||
    minute > 59 ||
    second > 60
  )
    return null;
  let t = utcMs(year, month - 1, day, hour, minute, second, ms);
  if (zone && zone !== "Z" && zone !== "z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offsetHours = Number(digits.slice(0, 2));
    const offsetMinutes = Number(digits.slice(2, 4) || 0);
    if (offsetHours > 23 || offsetMinutes > 59) return null;
    t -= sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  }
  return Number.isNaN(t) ? null : t;
}

/**
 * An ISO-8601 time as the API and CLI take it (a date, or a date and time): epoch ms, or null. Text of
 * any other shape is refused rather than handed to `Date.parse`, which reads a time into almost anything.
 */
export function parseIsoTimestamp(value: string): number | null {
  return /^\d{4}-\d{2}-\d{2}([T ]|$)/.test(value) ? parseTimestamp(value) : null;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Whether a date and a time to the minute name one that exists: month 1–12, a day of that month (leap
 * years included), hour 0–23 and minute 0–59. Fields read as -1 (not digits) fail too.
 */
export function minuteInRange(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
): boolean {
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59
  );
}

/** Days in `month` (1–12) of `year`, leap years included. */
export function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** `YYYY-MM-DDTHH:MM:SS` in UTC without zone: the form system 000 and 003 emit (contracts §6.3 C12). */
export function isoLocalSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/**
 * Reads canonical ISO UTC text (`2026-01-10T09:30:00.000Z`, what `toISOString` writes) with in-range
 * fields as epoch ms; undefined for anything else. The form ingest stores, so the hot paths that read a
 * stored or client-sent time (detectors, `isCanonicalIso`, the segment builder's time columns) read it by
 * hand instead of through a regex or `Date.parse`.
 *
 * A reader remembers the minute it read last, as its text up to the seconds ("2026-01-01T10:00:", every
 * field checked) and its epoch ms. Times read one after another mostly share it, and within a minute the
 * epoch ms is linear in the seconds and milliseconds (UTC has no leap seconds in JavaScript), so such a
 * time costs only its seconds: about half the work of a full read (the fields, the month's length,
 * `Date.UTC`). A caller that reads two series of times in turn (record and observed times) keeps one
 * reader for each.
 */
export class CanonicalIsoReader {
  #minute = "";
  #minuteMs = 0;

  ms(s: string): number | undefined {
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
    const second = digitsAt(s, 17, 2);
    const ms = digitsAt(s, 20, 3);
    if (second < 0 || second > 59 || ms < 0) return undefined;
    if (this.#minute !== "" && s.startsWith(this.#minute)) return this.#minuteMs + second * 1000 + ms;
    const year = digitsAt(s, 0, 4);
    const month = digitsAt(s, 5, 2);
    const day = digitsAt(s, 8, 2);
    const hour = digitsAt(s, 11, 2);
    const minute = digitsAt(s, 14, 2);
    if (year < 0 || !minuteInRange(year, month, day, hour, minute)) return undefined;
    this.#minute = s.slice(0, 17);
    this.#minuteMs = utcMs(year, month - 1, day, hour, minute, 0, 0);
    return this.#minuteMs + second * 1000 + ms;
  }
}

/** This thread's reader of record times (each thread has its own module). */
const recordTimeReader = new CanonicalIsoReader();

/** `CanonicalIsoReader.ms` with this thread's reader of record times. */
export function canonicalIsoMs(s: string): number | undefined {
  return recordTimeReader.ms(s);
}

/** The decimal number written by `count` digits at `from`; -1 when one of them is not a digit. */
function digitsAt(s: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}
