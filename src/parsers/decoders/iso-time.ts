import { canonicalIsoMs, minuteInRange, parseTimestamp, utcMs } from "../../core/time.js";

/**
 * Allocation-light ISO-8601 handling for the ingest hot path. `parseTimestamp` (a regex) plus
 * `toISOString` cost about a microsecond and a half per record; these do the common shapes with char
 * arithmetic and defer to `parseTimestamp` for anything unusual, so results stay identical.
 */

function d(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function d2(s: string, i: number): number {
  const a = d(s, i);
  const b = d(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Epoch ms of `YYYY-MM-DD[T ]HH:MM[:SS[.frac]][ ][Z|±HH[:]MM|±HH]` with in-range fields; undefined when the
 * text has another shape or out-of-range fields (the caller then asks `parseTimestamp`, which reads more
 * shapes and refuses out-of-range fields too).
 */
export function parseIsoFast(s: string): number | undefined {
  const n = s.length;
  if (n < 16) return undefined;
  const century = d2(s, 0);
  const yy = d2(s, 2);
  const y = century * 100 + yy;
  const mo = d2(s, 5);
  const day = d2(s, 8);
  const sep = s.charCodeAt(10);
  const h = d2(s, 11);
  const mi = d2(s, 14);
  if (
    // Each pair on its own: a sum hid a bad last digit ("202X" read as 20 * 100 - 1 = 1999).
    century < 0 ||
    yy < 0 ||
    s.charCodeAt(4) !== 0x2d ||
    s.charCodeAt(7) !== 0x2d ||
    (sep !== 0x54 && sep !== 0x20 && sep !== 0x74) ||
    s.charCodeAt(13) !== 0x3a ||
    !minuteInRange(y, mo, day, h, mi)
  ) {
    return undefined;
  }
  let p = 16;
  let sec = 0;
  let ms = 0;
  if (s.charCodeAt(p) === 0x3a) {
    sec = d2(s, p + 1);
    if (sec < 0 || sec > 59) return undefined;
    p += 3;
    const c = s.charCodeAt(p);
    if ((c === 0x2e || c === 0x2c) && d(s, p + 1) >= 0) {
      p++;
      // Milliseconds rounded from the fourth digit, as parseTimestamp does; later digits are ignored.
      let digits = 0;
      let round = 0;
      for (let v = d(s, p); v >= 0; v = d(s, ++p)) {
        if (digits < 3) ms = ms * 10 + v;
        else if (digits === 3) round = v >= 5 ? 1 : 0;
        digits++;
      }
      for (let k = digits; k < 3; k++) ms *= 10;
      ms += round;
    }
  }
  while (s.charCodeAt(p) === 0x20) p++;
  let offset = 0;
  if (p < n) {
    const z = s.charCodeAt(p);
    if (z === 0x5a || z === 0x7a) {
      p++;
    } else if (z === 0x2b || z === 0x2d) {
      const oh = d2(s, p + 1);
      // Out of range (or not digits): `parseTimestamp` decides, and refuses it.
      if (oh < 0 || oh > 23) return undefined;
      p += 3;
      if (s.charCodeAt(p) === 0x3a) p++;
      let om = 0;
      if (p < n) {
        om = d2(s, p);
        if (om < 0 || om > 59) return undefined;
        p += 2;
      }
      offset = (z === 0x2d ? -1 : 1) * (oh * 60 + om) * 60_000;
    } else {
      return undefined;
    }
  }
  if (p !== n) return undefined;
  return utcMs(y, mo - 1, day, h, mi, sec, ms) - offset;
}

/** Epoch ms of any ISO-like text `parseTimestamp` accepts, trying the fast path first. */
export function parseIso(s: string): number | null {
  return parseIsoFast(s) ?? parseTimestamp(s);
}

function p2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** Same output as `isoUtc` (`toISOString`), about twice as fast for years 0–9999. */
export function formatIsoUtc(ms: number): string {
  const dt = new Date(ms);
  const y = dt.getUTCFullYear();
  if (!(y >= 1000 && y <= 9999)) return dt.toISOString();
  const m = dt.getUTCMilliseconds();
  return `${y}-${p2(dt.getUTCMonth() + 1)}-${p2(dt.getUTCDate())}T${p2(dt.getUTCHours())}:${p2(
    dt.getUTCMinutes(),
  )}:${p2(dt.getUTCSeconds())}.${m < 10 ? "00" : m < 100 ? "0" : ""}${m}Z`;
}

/**
 * Whether `s` is already canonical ISO UTC (`2026-01-10T09:30:00.000Z`, in-range fields), the form
 * `isoFromText` returns unchanged: what our own exports and most JSON loggers write.
 */
export function isCanonicalIso(s: string): boolean {
  return canonicalIsoMs(s) !== undefined;
}

/** ISO text → canonical ISO UTC with `Z`; canonical text (`isCanonicalIso`) is returned as is. */
export function isoFromText(s: string): string | null {
  if (isCanonicalIso(s)) return s;
  const t = parseIso(s);
  return t === null || Number.isNaN(t) ? null : formatIsoUtc(t);
}
