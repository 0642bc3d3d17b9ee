/**
 * Timestamp pieces of log headers: recognising a token as a date/time part, and turning the parts of
 * one header into ISO-8601 UTC. Header times carry no zone in most formats; they are read as UTC unless
 * the token carries `Z` or an offset.
 *
 * Char-code scans rather than regexes: this runs on the first tokens of every raw line.
 */

const MONTH_NAMES = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];
const WEEKDAY_CODES = new Set(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(code3));

function code3(s: string): number {
  return (s.charCodeAt(0) << 16) | (s.charCodeAt(1) << 8) | s.charCodeAt(2);
}

const MONTH_CODES = new Map(MONTH_NAMES.map((m, i) => [code3(m), i]));

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function num(s: string, a: number, b: number): number {
  let v = 0;
  for (let i = a; i < b; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
}

/** Month index of `Jun`, `June`, `jun.` in s[a, b), or -1. */
export function monthAt(s: string, a: number, b: number): number {
  let n = b - a;
  if (n < 3 || n > 10) return -1;
  const last = s.charCodeAt(b - 1);
  if (last === 46 || last === 44) n--; // "Jun." "June,"
  const key = ((s.charCodeAt(a) | 32) << 16) | ((s.charCodeAt(a + 1) | 32) << 8) | (s.charCodeAt(a + 2) | 32);
  const m = MONTH_CODES.get(key);
  if (m === undefined) return -1;
  if (n === 3) return m;
  const full = MONTH_NAMES[m]!;
  if (n !== full.length) return -1;
  for (let i = 3; i < n; i++) if ((s.charCodeAt(a + i) | 32) !== full.charCodeAt(i)) return -1;
  return m;
}

function weekdayAt(s: string, a: number, b: number): boolean {
  if (b - a !== 3) return false;
  const key = ((s.charCodeAt(a) | 32) << 16) | ((s.charCodeAt(a + 1) | 32) << 8) | (s.charCodeAt(a + 2) | 32);
  return WEEKDAY_CODES.has(key);
}

function validYymmdd(s: string, a: number): boolean {
  const m = num(s, a + 2, a + 4);
  const d = num(s, a + 4, a + 6);
  return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

function validHhmmss(s: string, a: number): boolean {
  return num(s, a, a + 2) < 24 && num(s, a + 2, a + 4) < 60 && num(s, a + 4, a + 6) < 61;
}

/** Counts of each character class in a numeric-led token. */
interface Census {
  digits: number;
  colon: number;
  dash: number;
  slash: number;
  dot: number;
  comma: number;
  tee: number;
  zone: number;
  other: number;
}

const census: Census = {
  digits: 0,
  colon: 0,
  dash: 0,
  slash: 0,
  dot: 0,
  comma: 0,
  tee: 0,
  zone: 0,
  other: 0,
};

function takeCensus(s: string, a: number, b: number): Census {
  census.digits = census.colon = census.dash = census.slash = census.dot = census.comma = 0;
  census.tee = census.zone = census.other = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) census.digits++;
    else if (c === 58) census.colon++;
    else if (c === 45) census.dash++;
    else if (c === 47) census.slash++;
    else if (c === 46) census.dot++;
    else if (c === 44) census.comma++;
    else if (c === 84) census.tee++;
    else if (c === 90 || c === 43) census.zone++;
    else census.other++;
  }
  return census;
}

/**
 * 2: certainly a date/time part (`2015-10-18`, `18:01:47,978`, `Jun`, epoch seconds, `081109`);
 * 1: only when it follows another part (a day `14`, a year `2005`); 0: not a time part.
 */
export function timeKindAt(s: string, a: number, b: number): 0 | 1 | 2 {
  const n = b - a;
  if (n <= 0 || n > 35) return 0;
  const c0 = s.charCodeAt(a);
  if (!isDigit(c0)) {
    if (!isLetter(c0) || n < 3 || n > 10) return 0;
    return monthAt(s, a, b) >= 0 || weekdayAt(s, a, b) ? 2 : 0;
  }
  const k = takeCensus(s, a, b);
  if (k.other > 0) return 0;
  if (k.digits === n) {
    if (n <= 2) {
      const v = num(s, a, b);
      return v >= 1 && v <= 31 ? 1 : 0;
    }
    if (n === 4) {
      const y = num(s, a, b);
      return y >= 1970 && y <= 2099 ? 1 : 0;
    }
    if (n === 6) return validYymmdd(s, a) || validHhmmss(s, a) ? 2 : 0;
    if ((n === 10 || n === 13) && c0 === 49) return 2; // epoch seconds / ms, 2001–2033
    return 0;
  }
  if (k.colon === 2 && k.dash === 0 && k.slash === 0 && k.tee === 0 && k.comma + k.dot <= 1) return 2; // clock
  if (
    k.colon === 0 &&
    k.comma === 0 &&
    k.tee === 0 &&
    n === 10 &&
    (k.dash === 2 || k.dot === 2 || k.slash === 2)
  )
    return 2; // 2015-10-18, 2005.06.03, 2005/06/03
  if (k.colon === 0 && k.slash === 2 && n === 8) return 2; // 17/06/09
  if (k.dash === 3 && k.dot >= 2 && k.colon === 0) return 2; // 2005-06-03-15.42.50.675872
  if (k.tee === 1 && k.dash >= 2 && k.colon >= 1) return 2; // ISO-8601
  if (k.dot === 1 && c0 === 49 && s.charCodeAt(a + 10) === 46 && k.digits === n - 1) return 2; // 1117838570.123
  return 0;
}

/** Kept for callers that have a token string rather than a span. */
export function timeTokenKind(tok: string): 0 | 1 | 2 {
  return timeKindAt(tok, 0, tok.length);
}

/** Fraction digits after `.`/`,` at i, as milliseconds. */
function fracMs(s: string, i: number, b: number): number {
  let ms = 0;
  let scale = 100;
  for (let j = i; j < b && isDigit(s.charCodeAt(j)); j++) {
    ms += (s.charCodeAt(j) - 48) * scale;
    scale /= 10;
  }
  return Math.round(ms);
}

/** Offset in minutes from a trailing `Z` / `+hh:mm` / `-hhmm` at i, or 0. */
function offsetMinutes(s: string, i: number, b: number): number {
  const c = s.charCodeAt(i);
  if (c !== 43 && c !== 45) return 0;
  const digits: number[] = [];
  for (let j = i + 1; j < b; j++) if (isDigit(s.charCodeAt(j))) digits.push(s.charCodeAt(j) - 48);
  if (digits.length < 4) return 0;
  const m = (digits[0]! * 10 + digits[1]!) * 60 + digits[2]! * 10 + digits[3]!;
  return c === 43 ? m : -m;
}

/** Converts the time parts of one header (in order) to ISO-8601 UTC, or null when they do not form a time. */
export function isoFromParts(parts: readonly string[]): string | null {
  let y = -1;
  let mo = -1;
  let d = -1;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let offset = 0;
  for (const raw of parts) {
    let p = raw;
    if (p.charCodeAt(0) === 91 && p.charCodeAt(p.length - 1) === 93) {
      // A bracketed group (`[Sun Dec 04 04:47:44 2005]`): its own parts, in order.
      const inner = isoFromParts(p.slice(1, -1).split(" ").filter(Boolean));
      if (inner) return inner;
      continue;
    }
    const n = p.length;
    const c0 = p.charCodeAt(0);
    if (!isDigit(c0)) {
      const m = monthAt(p, 0, n);
      if (m >= 0) mo = m;
      continue;
    }
    const k = takeCensus(p, 0, n);
    if (k.digits === n) {
      if ((n === 10 || n === 13) && c0 === 49)
        return new Date(n === 13 ? num(p, 0, 13) : num(p, 0, 10) * 1000).toISOString();
      if (n === 6) {
        if (y < 0 && validYymmdd(p, 0)) {
          y = 2000 + num(p, 0, 2);
          mo = num(p, 2, 4) - 1;
          d = num(p, 4, 6);
        } else if (validHhmmss(p, 0)) {
          h = num(p, 0, 2);
          mi = num(p, 2, 4);
          sec = num(p, 4, 6);
        }
      } else if (n <= 2 && mo >= 0 && d < 0) d = num(p, 0, n);
      else if (n === 4) y = num(p, 0, 4);
      continue;
    }
    if (k.dot === 1 && c0 === 49 && p.charCodeAt(10) === 46) {
      return new Date(num(p, 0, 10) * 1000 + fracMs(p, 11, n)).toISOString();
    }
    if (k.dash === 3 && k.dot >= 2) {
      // 2005-06-03-15.42.50.675872
      y = num(p, 0, 4);
      mo = num(p, 5, 7) - 1;
      d = num(p, 8, 10);
      h = num(p, 11, 13);
      mi = num(p, 14, 16);
      sec = num(p, 17, 19);
      ms = fracMs(p, 20, n);
      continue;
    }
    let i = 0;
    if (
      k.tee === 1 ||
      (n >= 10 && k.colon === 0 && (k.dash === 2 || k.dot === 2 || k.slash === 2) && n === 10)
    ) {
      y = num(p, 0, 4);
      mo = num(p, 5, 7) - 1;
      d = num(p, 8, 10);
      if (k.tee === 0) continue;
      i = 11;
      p = p.slice(0, n);
    } else if (k.slash === 2 && n === 8 && k.colon === 0) {
      y = 2000 + num(p, 0, 2);
      mo = num(p, 3, 5) - 1;
      d = num(p, 6, 8);
      continue;
    }
    if (k.colon >= 1) {
      // hh:mm[:ss][.,frac][Z|±hh:mm]
      let j = i;
      while (j < n && isDigit(p.charCodeAt(j))) j++;
      h = num(p, i, j);
      mi = num(p, j + 1, j + 3);
      j += 3;
      if (p.charCodeAt(j) === 58) {
        sec = num(p, j + 1, j + 3);
        j += 3;
      }
      if (p.charCodeAt(j) === 46 || p.charCodeAt(j) === 44) {
        j++;
        ms = fracMs(p, j, n);
        while (j < n && isDigit(p.charCodeAt(j))) j++;
      }
      if (j < n) offset = offsetMinutes(p, j, n);
    }
  }
  if (mo < 0 || d < 0) return null;
  if (y < 0) y = new Date().getUTCFullYear();
  const t = Date.UTC(y, mo, d, h, mi, sec, ms) - offset * 60_000;
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}
