import { DAY_MS } from "../../core/time.js";
/**
 * RFC 3164 ("BSD") dates: `Mmm dd hh:mm:ss`, as syslog and /var/log files write them. They carry no year
 * and no zone, so the year is inferred from a reference clock and the time is taken as UTC (the same rule
 * `parseTimestamp` applies to zone-less ISO times).
 */

/** Month index (0–11) of a three-letter English abbreviation at `i`, any case; -1 otherwise. */
export function monthAt(s: string, i: number): number {
  // Lower-casing by OR 0x20 keeps this a handful of integer compares on the hot path.
  const a = s.charCodeAt(i) | 0x20;
  const b = s.charCodeAt(i + 1) | 0x20;
  const c = s.charCodeAt(i + 2) | 0x20;
  switch (a) {
    case 0x6a: // j
      if (b === 0x61 && c === 0x6e) return 0;
      if (b === 0x75 && c === 0x6e) return 5;
      if (b === 0x75 && c === 0x6c) return 6;
      return -1;
    case 0x66: // f
      return b === 0x65 && c === 0x62 ? 1 : -1;
    case 0x6d: // m
      if (b === 0x61 && c === 0x72) return 2;
      if (b === 0x61 && c === 0x79) return 4;
      return -1;
    case 0x61: // a
      if (b === 0x70 && c === 0x72) return 3;
      if (b === 0x75 && c === 0x67) return 7;
      return -1;
    case 0x73: // s
      return b === 0x65 && c === 0x70 ? 8 : -1;
    case 0x6f: // o
      return b === 0x63 && c === 0x74 ? 9 : -1;
    case 0x6e: // n
      return b === 0x6f && c === 0x76 ? 10 : -1;
    case 0x64: // d
      return b === 0x65 && c === 0x63 ? 11 : -1;
    default:
      return -1;
  }
}

/** True when `s` starts (at `i`) like a BSD date: a month abbreviation and a space. Cheap pre-check. */
export function looksLikeBsdDate(s: string, i = 0): boolean {
  return s.charCodeAt(i + 3) === 0x20 && monthAt(s, i) >= 0;
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function twoDigits(s: string, i: number): number {
  const a = digit(s, i);
  const b = digit(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

export interface BsdDate {
  /** Epoch ms. */
  ms: number;
  /** Index just past the date (at the space before the hostname, or the end). */
  end: number;
}

/**
 * The most recent year in which month/day/time falls no more than a day after `now` (a day of slack
 * absorbs senders whose clock or zone runs ahead). Feb 29 skips to the last leap year.
 */
export function inferYear(
  month: number,
  day: number,
  h: number,
  mi: number,
  sec: number,
  ms: number,
  now: number,
): number | null {
  const current = new Date(now).getUTCFullYear();
  for (let y = current; y > current - 8; y--) {
    const t = Date.UTC(y, month, day, h, mi, sec, ms);
    if (new Date(t).getUTCDate() !== day) continue; // Feb 29 in a non-leap year rolled over
    if (t <= now + DAY_MS) return t;
  }
  return null;
}

/**
 * Parses `Mmm dd hh:mm:ss[.frac]` (day space-padded or not, optionally `Mmm dd yyyy hh:mm:ss` as Cisco and
 * some appliances write) at index `i`. Returns null unless the whole date is well-formed.
 */
export function parseBsdDate(s: string, i: number, now: number): BsdDate | null {
  const month = monthAt(s, i);
  if (month < 0 || s.charCodeAt(i + 3) !== 0x20) return null;
  let p = i + 4;
  if (s.charCodeAt(p) === 0x20) p++; // "Jun  4"
  let day = digit(s, p);
  if (day < 0) return null;
  p++;
  const d2 = digit(s, p);
  if (d2 >= 0) {
    day = day * 10 + d2;
    p++;
  }
  if (day < 1 || day > 31 || s.charCodeAt(p) !== 0x20) return null;
  p++;
  let year = -1;
  if (digit(s, p) >= 0 && digit(s, p + 3) >= 0 && s.charCodeAt(p + 4) === 0x20) {
    year = twoDigits(s, p) * 100 + twoDigits(s, p + 2);
    p += 5;
  }
  const h = twoDigits(s, p);
  const mi = twoDigits(s, p + 3);
  const sec = twoDigits(s, p + 6);
  if (s.charCodeAt(p + 2) !== 0x3a || s.charCodeAt(p + 5) !== 0x3a) return null;
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60) return null;
  p += 8;
  let ms = 0;
  if (s.charCodeAt(p) === 0x2e && digit(s, p + 1) >= 0) {
    // Fraction: keep milliseconds, skip the rest of the digits.
    let scale = 100;
    p++;
    for (let dg = digit(s, p); dg >= 0; dg = digit(s, ++p)) {
      ms += dg * scale;
      scale /= 10;
    }
    ms = Math.min(999, Math.round(ms));
  }
  const next = s.charCodeAt(p);
  if (!Number.isNaN(next) && next !== 0x20) return null;
  if (year >= 0) {
    const t = Date.UTC(year, month, day, h, mi, sec, ms);
    return new Date(t).getUTCDate() === day ? { ms: t, end: p } : null;
  }
  const t = inferYear(month, day, h, mi, sec, ms, now);
  return t === null ? null : { ms: t, end: p };
}
