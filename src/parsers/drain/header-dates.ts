import { isDigit } from "../chars.js";

/**
 * Date shapes of log headers that only some formats write, recognised by fixed positions: year-less
 * month-days and a compact date-time. Apart from `header-time.ts` (which reads them, and the header
 * splitter, which classifies with them) to keep that module within the size the layer check allows.
 */

/** The value of the two digits at s[a], s[a + 1] (checked by the caller). */
function twoDigits(s: string, a: number): number {
  return (s.charCodeAt(a) - 48) * 10 + (s.charCodeAt(a + 1) - 48);
}

/**
 * `MM-DD` or `MM.DD` with a valid month and day in s[a, b): the year-less date Android's logcat
 * (`03-17 16:13:38.811`) and Proxifier (`[10.30 16:49:06]`) write before the clock.
 */
export function monthDayAt(s: string, a: number, b: number): boolean {
  if (b - a !== 5) return false;
  const sep = s.charCodeAt(a + 2);
  if (sep !== 45 && sep !== 46) return false;
  if (!isDigit(s.charCodeAt(a)) || !isDigit(s.charCodeAt(a + 1))) return false;
  if (!isDigit(s.charCodeAt(a + 3)) || !isDigit(s.charCodeAt(a + 4))) return false;
  const m = twoDigits(s, a);
  const d = twoDigits(s, a + 3);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/**
 * `yyyymmdd-hh:mm:ss` with an optional fraction after `:`, `.` or `,` in s[a, b): the compact date-time
 * of HealthApp-style logs (`20171223-22:15:29:606`). Positions are fixed, so no other token shape matches.
 */
export function compactDateTimeAt(s: string, a: number, b: number): boolean {
  const n = b - a;
  if (n < 17 || n > 27 || s.charCodeAt(a + 8) !== 45) return false;
  if (s.charCodeAt(a + 11) !== 58 || s.charCodeAt(a + 14) !== 58) return false;
  for (let i = a; i < a + 17; i++) {
    const o = i - a;
    if (o !== 8 && o !== 11 && o !== 14 && !isDigit(s.charCodeAt(i))) return false;
  }
  if (n === 17) return true;
  const f = s.charCodeAt(a + 17);
  if ((f !== 58 && f !== 46 && f !== 44) || n === 18) return false;
  for (let i = a + 18; i < b; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}
