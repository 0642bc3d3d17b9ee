import { ISO_DATE_TIME, parseTimestamp } from "../core/time.js";

/**
 * System 003's timestamp form (contracts §4.4, §6.3 C12): ISO-8601 in UTC without a zone and with
 * microseconds, e.g. `2025-03-19T10:04:05.123000`. Our clock has milliseconds, so the last three digits are 0.
 */
export function localIso(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000`;
}

const TIME_ONLY = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?$/;

/**
 * Epoch milliseconds of a date or time string, or null. A value without a zone is UTC (contract
 * §4.7.2). Accepted: ISO-8601 dates and date-times, a bare time of day (read on 1970-01-01, so it
 * stays deterministic where the original's parser used "today"), and RFC 2822 / English forms that
 * name a four-digit year (`Wed, 19 Mar 2025 10:04:05 GMT`, `March 19, 2025`). Numbers alone are not
 * dates: JavaScript's lenient parser would turn "12" into 2001-12-01.
 */
export function parseDateTime(text: string): number | null {
  const s = text.trim();
  // The one ISO reading (core/time): an impossible day or offset (`2025-02-31`, `+25:00`) is no time.
  if (ISO_DATE_TIME.test(s)) return parseTimestamp(s);
  const time = TIME_ONLY.exec(s);
  if (time) {
    const [, h, mi, sec, frac] = time;
    if (Number(h) > 23 || Number(mi) > 59 || Number(sec ?? 0) > 59) return null;
    const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
    return ((Number(h) * 60 + Number(mi)) * 60 + Number(sec ?? 0)) * 1000 + ms;
  }
  if (!/[A-Za-z]/.test(s) || !/\b\d{4}\b/.test(s)) return null;
  // No zone named: read it as UTC rather than as the server's local time.
  const asUtc = /\b(GMT|UTC|Z)\b|[+-]\d{2}:?\d{2}\b/.test(s) ? Number.NaN : Date.parse(`${s} UTC`);
  const t = Number.isNaN(asUtc) ? Date.parse(s) : asUtc;
  return Number.isNaN(t) ? null : t;
}
