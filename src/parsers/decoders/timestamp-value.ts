import type { JsonValue } from "../../core/json.js";
import { looksLikeBsdDate, parseBsdDate } from "./bsd-date.js";
import { type DecodeContext, referenceNow } from "./decode-context.js";
import { formatIsoUtc, isoFromText } from "./iso-time.js";

/** `auto` guesses the epoch unit from the magnitude; `ns` is for OTLP's `timeUnixNano`. */
export type EpochUnit = "auto" | "ns";

// Beyond ±8.64e15 ms `Date` throws; also refuse years past 9999 so output stays a 4-digit ISO year.
const MAX_MS = 253_402_300_799_999;

/**
 * Epoch number → ms. By magnitude: below 1e11 seconds (up to year 5138), below 1e14 milliseconds,
 * below 1e17 microseconds, else nanoseconds. 0 and negatives are "unset", as in OTLP.
 */
export function epochToMs(n: number, unit: EpochUnit = "auto"): number | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  let ms: number;
  if (unit === "ns") ms = n / 1e6;
  else if (n < 1e11) ms = n * 1000;
  else if (n < 1e14) ms = n;
  else if (n < 1e17) ms = n / 1e3;
  else ms = n / 1e6;
  ms = Math.round(ms);
  return ms > MAX_MS ? null : ms;
}

function isNumeric(s: string): boolean {
  let dot = false;
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e && !dot && i > 0) dot = true;
    else if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * `parseTimestamp` falls back to `Date.parse`, which in V8 reads "hello 2024" as a date. Text handed to it
 * must start like a date (a digit) or carry both a 4-digit year and a clock time (RFC 2822 and friends).
 */
function plausibleDateText(s: string): boolean {
  const c = s.charCodeAt(0);
  if (c >= 48 && c <= 57) return true;
  return /\d{4}/.test(s) && /\d:\d\d/.test(s);
}

/**
 * Reads a timestamp field: ISO-8601 strings with any offset and fraction, RFC 3164 dates, other strings
 * `Date.parse` accepts, and epoch numbers or numeric strings (see `epochToMs`). Returns ISO UTC with `Z`,
 * or null when the value is not a usable time (the caller keeps it as an attribute). `now` (epoch ms, or the
 * decode context, so callers skip reading its clock unless a BSD date shows up) supplies a BSD date's year.
 */
export function timestampFromValue(
  value: JsonValue | undefined,
  now: number | DecodeContext,
  unit: EpochUnit = "auto",
): string | null {
  let ms: number | null = null;
  if (typeof value === "number") ms = epochToMs(value, unit);
  else if (typeof value === "string") {
    const s = value.trim();
    if (isNumeric(s)) ms = epochToMs(Number(s), unit);
    // Checked before parseTimestamp because its Date.parse fallback reads "Jun 14 15:16:01" as year 2001.
    else if (looksLikeBsdDate(s))
      ms = parseBsdDate(s, 0, typeof now === "number" ? now : referenceNow(now))?.ms ?? null;
    else if (s.length >= 8 && plausibleDateText(s)) {
      // Text dates before 1970 are kept (only epoch 0 means "unset"); years past 9999 come out signed.
      const iso = isoFromText(s);
      return iso === null || iso.charCodeAt(0) === 0x2b || iso.charCodeAt(0) === 0x2d ? null : iso;
    }
  }
  if (ms === null || ms <= 0 || ms > MAX_MS) return null;
  return formatIsoUtc(ms);
}
