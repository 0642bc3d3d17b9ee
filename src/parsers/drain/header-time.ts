import { DAY_MS, HOUR_MS, MINUTE_MS } from "../../core/time.js";
import { isDigit, isLetter } from "../chars.js";
import { compactDateTimeAt, monthDayAt } from "./header-dates.js";

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

/** The value of the decimal digits s[a, b). */
export function num(s: string, a: number, b: number): number {
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

export function validHhmmss(s: string, a: number): boolean {
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
  if (k.digits === n) return digitsTimeKind(s, a, b);
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
  if (compactDateTimeAt(s, a, b)) return 2; // 20171223-22:15:29:606
  // A year-less `03-17` or `10.30` is a date only before a clock (the header splitter checks that): alone
  // it reads like a range or a version.
  if (monthDayAt(s, a, b)) return 1;
  return 0;
}

/**
 * `timeKindAt` of s[a, b) when it is all digits (1 to 35 of them): what the header splitter re-checks
 * on each line of a learned shape, whose census it already knows.
 */
export function digitsTimeKind(s: string, a: number, b: number): 0 | 1 | 2 {
  const n = b - a;
  if (n <= 2) {
    const v = num(s, a, b);
    return v >= 1 && v <= 31 ? 1 : 0;
  }
  if (n === 4) {
    const y = num(s, a, b);
    return y >= 1970 && y <= 2099 ? 1 : 0;
  }
  if (n === 6) return validYymmdd(s, a) || validHhmmss(s, a) ? 2 : 0;
  if ((n === 10 || n === 13) && s.charCodeAt(a) === 49) return 2; // epoch seconds / ms, 2001–2033
  return 0;
}

/** Kept for callers that have a token string rather than a span. */
export function timeTokenKind(tok: string): 0 | 1 | 2 {
  return timeKindAt(tok, 0, tok.length);
}

/** Fraction digits after `.`/`,` at i (up to b), as milliseconds. */
export function fracMs(s: string, i: number, b: number): number {
  let ms = 0;
  let scale = 100;
  for (let j = i; j < b && isDigit(s.charCodeAt(j)); j++) {
    ms += (s.charCodeAt(j) - 48) * scale;
    scale /= 10;
  }
  return Math.round(ms);
}

/** `num` over s[x, y) of a part ending at `end`: NaN when it would read past the part, as on a sliced part. */
function numIn(s: string, x: number, y: number, end: number): number {
  if (y > end && x < y) return Number.NaN;
  return num(s, x, y);
}

/** Offset in minutes from a trailing `Z` / `+hh:mm` / `-hhmm` at i, or 0. */
function offsetMinutes(s: string, i: number, b: number): number {
  const c = s.charCodeAt(i);
  if (c !== 43 && c !== 45) return 0;
  let digits = 0;
  let v = 0;
  for (let j = i + 1; j < b && digits < 4; j++) {
    const d = s.charCodeAt(j);
    if (isDigit(d)) {
      v = v * 10 + (d - 48);
      digits++;
    }
  }
  if (digits < 4) return 0;
  const m = Math.floor(v / 100) * 60 + (v % 100);
  return c === 43 ? m : -m;
}

/**
 * The digit fields a time is linear in: a line whose time text differs from another's only in the
 * digits of these fields has the other's time plus the fields' differences times their weight in ms
 * (`Date.UTC` is linear in the day, hour, minute and second, and an epoch is its own value).
 */
const F_DAY = 0;
const F_HOUR = 1;
const F_MINUTE = 2;
const F_SECOND = 3;
const F_EPOCH = 4;
export const FIELD_COUNT = 5;

/**
 * How the last conversion read its time (`TimeCache`): where its linear fields and milliseconds came
 * from, as absolute positions in the line (-1: not a variable field; its digits are part of the rest).
 */
export const conv = {
  /** Epoch ms with the variable fields and the milliseconds taken out, when `cacheable`. */
  base: 0,
  fieldFrom: new Int32Array(FIELD_COUNT),
  fieldTo: new Int32Array(FIELD_COUNT),
  /** Ms per unit of each field (the epoch's is 1000 for seconds, 1 for milliseconds). */
  fieldWeight: Int32Array.of(DAY_MS, HOUR_MS, MINUTE_MS, 1000, 1000),
  fracFrom: -1,
  fracTo: -1,
  /** Start of the `hhmmss` part the hour, minute and second came from: it must stay valid. -1: none. */
  hhmmssAt: -1,
  /**
   * Where the text the time depends on ends, when that is before the last part: an epoch part decides
   * the time alone, so the parts after it are not read. -1: all parts.
   */
  upTo: -1,
  /** Whether the result depends on nothing but the parts' text outside the variable fields. */
  cacheable: false,
  /** The parts named no year, so the current one was taken (a decoder infers it: `inferYear`). */
  yearless: false,
};

/** Whether s[x, y) is a non-empty run of digits inside a part ending at `end`: a field that may vary. */
function digitField(s: string, x: number, y: number, end: number): boolean {
  if (x >= y || y > end) return false;
  for (let i = x; i < y; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/**
 * Epoch ms of the time parts s[starts[k], ends[k]) of one header (in order), or NaN when they do not
 * form a time. The reading rules are those of `isoFromParts`; this form reads the line in place.
 */
export function timeOfSpans(
  s: string,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  from: number,
  to: number,
): number {
  conv.cacheable = true;
  conv.yearless = false;
  conv.fieldFrom.fill(-1);
  conv.fracFrom = conv.fracTo = conv.hhmmssAt = conv.upTo = -1;
  return timeOf(s, starts, ends, from, to);
}

function timeOf(
  s: string,
  starts: ArrayLike<number>,
  ends: ArrayLike<number>,
  from: number,
  to: number,
): number {
  let y = -1;
  let mo = -1;
  let d = -1;
  let h = 0;
  let mi = 0;
  let sec = 0;
  let ms = 0;
  let offset = 0;
  // Where the day, hour, minute and second were read, when they may vary (`conv`); -1 otherwise.
  let dayAt = -1;
  let dayTo = -1;
  let hourFrom = -1;
  let hourTo = -1;
  let minuteAt = -1;
  let secAt = -1;
  let fracFrom = -1;
  let fracTo = -1;
  let hhmmssAt = -1;
  for (let q = from; q < to; q++) {
    const a = starts[q]!;
    const b = ends[q]!;
    const n = b - a;
    if (n === 0) continue;
    const c0 = s.charCodeAt(a);
    if (c0 === 91 && s.charCodeAt(b - 1) === 93) {
      // A bracketed group (`[Sun Dec 04 04:47:44 2005]`): its own parts, in order.
      const inner = timeOfGroup(s, a + 1, b - 1);
      if (!Number.isNaN(inner)) return inner;
      continue;
    }
    if (!isDigit(c0)) {
      const m = monthAt(s, a, b);
      if (m >= 0) mo = m;
      continue;
    }
    const k = takeCensus(s, a, b);
    if (k.digits === n) {
      if ((n === 10 || n === 13) && c0 === 49) {
        // The leading `1` stays out of the field: another first digit is not an epoch.
        conv.fieldFrom.fill(-1);
        conv.fieldFrom[F_EPOCH] = a + 1;
        conv.fieldTo[F_EPOCH] = b;
        conv.fieldWeight[F_EPOCH] = n === 13 ? 1 : 1000;
        conv.fracFrom = conv.fracTo = conv.hhmmssAt = -1;
        conv.upTo = b;
        const t = n === 13 ? num(s, a, b) : num(s, a, b) * 1000;
        conv.base = t - num(s, a + 1, b) * conv.fieldWeight[F_EPOCH]!;
        return t;
      }
      if (n === 6) {
        if (y < 0 && validYymmdd(s, a)) {
          y = 2000 + num(s, a, a + 2);
          mo = num(s, a + 2, a + 4) - 1;
          d = num(s, a + 4, a + 6);
          dayAt = -1;
        } else if (validHhmmss(s, a)) {
          // With no year yet, the yymmdd test above read this part's last digits too.
          if (y < 0) conv.cacheable = false;
          h = num(s, a, a + 2);
          mi = num(s, a + 2, a + 4);
          sec = num(s, a + 4, a + 6);
          hourFrom = a;
          hourTo = a + 2;
          minuteAt = a + 2;
          secAt = a + 4;
          hhmmssAt = a;
        }
      } else if (n <= 2 && mo >= 0 && d < 0) {
        d = num(s, a, b);
        dayAt = a;
        dayTo = b;
      } else if (n === 4) y = num(s, a, b);
      continue;
    }
    if (n === 5 && monthDayAt(s, a, b)) {
      // 03-17, 10.30: the month is fixed text, the day a variable field (Date.UTC is linear in it).
      mo = num(s, a, a + 2) - 1;
      d = num(s, a + 3, a + 5);
      dayAt = a + 3;
      dayTo = a + 5;
      continue;
    }
    if (compactDateTimeAt(s, a, b)) {
      // 20171223-22:15:29:606: after `:` a count of ms written unpadded (HealthApp: `:96`, `:11`), after
      // `.`/`,` a decimal fraction. The cache adds a fraction as decimal digits: equal with 3 of them.
      y = num(s, a, a + 4);
      mo = num(s, a + 4, a + 6) - 1;
      d = num(s, a + 6, a + 8);
      h = num(s, a + 9, a + 11);
      mi = num(s, a + 12, a + 14);
      sec = num(s, a + 15, a + 17);
      [dayAt, hhmmssAt, hourFrom, hourTo, minuteAt, secAt] = [-1, -1, a + 9, a + 11, a + 12, a + 15];
      const colonMs = n > 18 && s.charCodeAt(a + 17) === 58;
      if (n > 18) [fracFrom, fracTo] = [a + 18, b];
      ms = n <= 18 ? 0 : colonMs ? Math.min(999, num(s, a + 18, b)) : fracMs(s, a + 18, b);
      if (colonMs && n !== 21) conv.cacheable = false;
      continue;
    }
    if (k.dot === 1 && c0 === 49 && n > 10 && s.charCodeAt(a + 10) === 46) {
      conv.cacheable = false;
      return num(s, a, a + 10) * 1000 + fracMs(s, a + 11, b);
    }
    if (k.dash === 3 && k.dot >= 2) {
      // 2005-06-03-15.42.50.675872
      y = numIn(s, a, a + 4, b);
      mo = numIn(s, a + 5, a + 7, b) - 1;
      d = numIn(s, a + 8, a + 10, b);
      h = numIn(s, a + 11, a + 13, b);
      mi = numIn(s, a + 14, a + 16, b);
      sec = numIn(s, a + 17, a + 19, b);
      dayAt = -1;
      hourFrom = digitField(s, a + 11, a + 13, b) ? a + 11 : -1;
      hourTo = a + 13;
      minuteAt = digitField(s, a + 14, a + 16, b) ? a + 14 : -1;
      secAt = a + 17;
      hhmmssAt = -1;
      ms = fracMs(s, a + 20, b);
      fracFrom = a + 20;
      fracTo = fracFrom;
      while (fracTo < b && isDigit(s.charCodeAt(fracTo))) fracTo++;
      if (b - a < 19 || !isDigit(s.charCodeAt(a + 17)) || !isDigit(s.charCodeAt(a + 18)))
        conv.cacheable = false;
      continue;
    }
    let i = a;
    if (
      k.tee === 1 ||
      (n >= 10 && k.colon === 0 && (k.dash === 2 || k.dot === 2 || k.slash === 2) && n === 10)
    ) {
      y = numIn(s, a, a + 4, b);
      mo = numIn(s, a + 5, a + 7, b) - 1;
      d = numIn(s, a + 8, a + 10, b);
      dayAt = -1;
      if (k.tee === 0) continue;
      i = a + 11;
    } else if (k.slash === 2 && n === 8 && k.colon === 0) {
      y = 2000 + num(s, a, a + 2);
      mo = num(s, a + 3, a + 5) - 1;
      d = num(s, a + 6, a + 8);
      dayAt = -1;
      continue;
    }
    if (k.colon >= 1) {
      // hh:mm[:ss][.,frac][Z|±hh:mm]
      let j = i;
      while (j < b && isDigit(s.charCodeAt(j))) j++;
      h = numIn(s, i, j, b);
      mi = numIn(s, j + 1, j + 3, b);
      hourFrom = digitField(s, i, j, b) ? i : -1;
      hourTo = j;
      minuteAt = digitField(s, j + 1, j + 3, b) ? j + 1 : -1;
      hhmmssAt = -1;
      j += 3;
      if (j < b && s.charCodeAt(j) === 58) {
        sec = numIn(s, j + 1, j + 3, b);
        secAt = j + 1;
        if (j + 3 > b || !isDigit(s.charCodeAt(j + 1)) || !isDigit(s.charCodeAt(j + 2)))
          conv.cacheable = false;
        j += 3;
      }
      if (j < b && (s.charCodeAt(j) === 46 || s.charCodeAt(j) === 44)) {
        j++;
        ms = fracMs(s, j, b);
        fracFrom = j;
        while (j < b && isDigit(s.charCodeAt(j))) j++;
        fracTo = j;
      }
      if (j < b) offset = offsetMinutes(s, j, b);
    }
  }
  if (mo < 0 || d < 0) return Number.NaN;
  if (y < 0) {
    y = new Date().getUTCFullYear();
    conv.yearless = true;
  }
  const t = Date.UTC(y, mo, d, h, mi, sec, ms) - offset * 60_000;
  if (!Number.isFinite(t)) return Number.NaN;
  const fieldFrom = conv.fieldFrom;
  const fieldTo = conv.fieldTo;
  fieldFrom[F_DAY] = dayAt;
  fieldTo[F_DAY] = dayTo;
  fieldFrom[F_HOUR] = hourFrom;
  fieldTo[F_HOUR] = hourTo;
  fieldFrom[F_MINUTE] = minuteAt;
  fieldTo[F_MINUTE] = minuteAt + 2;
  fieldFrom[F_SECOND] = secAt;
  fieldTo[F_SECOND] = secAt + 2;
  fieldFrom[F_EPOCH] = -1;
  conv.fracFrom = fracFrom;
  conv.fracTo = fracTo;
  conv.hhmmssAt = hhmmssAt;
  conv.upTo = -1;
  conv.base =
    t -
    (dayAt >= 0 ? d * DAY_MS : 0) -
    (hourFrom >= 0 ? h * 3_600_000 : 0) -
    (minuteAt >= 0 ? mi * 60_000 : 0) -
    (secAt >= 0 ? sec * 1000 : 0) -
    (fracFrom >= 0 ? ms : 0);
  return t;
}

const groupStarts = new Int32Array(64);
const groupEnds = new Int32Array(64);

/** A bracketed group's space-separated parts, read like a header of their own. */
function timeOfGroup(s: string, a: number, b: number): number {
  let count = 0;
  let i = a;
  while (i < b) {
    while (i < b && s.charCodeAt(i) === 32) i++;
    if (i >= b) break;
    const start = i;
    while (i < b && s.charCodeAt(i) !== 32) i++;
    if (count === 64) {
      // Longer than any header group; read it the slow way rather than lose parts.
      const t = isoFromParts(s.slice(a, b).split(" ").filter(Boolean));
      conv.cacheable = false;
      return t === null ? Number.NaN : Date.parse(t);
    }
    groupStarts[count] = start;
    groupEnds[count] = i;
    count++;
  }
  // Parts are copied: the recursion may come back here for a nested group.
  const t = timeOf(s, groupStarts.slice(0, count), groupEnds.slice(0, count), 0, count);
  // An epoch decides without the group's later parts, but the group still needs its closing `]`.
  if (conv.upTo >= 0) conv.cacheable = false;
  return t;
}

/** Converts the time parts of one header (in order) to ISO-8601 UTC, or null when they do not form a time. */
export function isoFromParts(parts: readonly string[]): string | null {
  const text = parts.join(" ");
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const p of parts) {
    starts.push(at);
    ends.push(at + p.length);
    at += p.length + 1;
  }
  const t = timeOfSpans(text, starts, ends, 0, parts.length);
  return Number.isNaN(t) ? null : formatIso(t);
}

const SS = Array.from({ length: 60 }, (_, i) => `${i < 10 ? "0" : ""}${i}.`);
const MMMZ = Array.from({ length: 1000 }, (_, i) => `${String(i).padStart(3, "0")}Z`);
/** `HH:MM:` for each minute of a day. */
const HHMM = Array.from({ length: 1440 }, (_, i) => {
  const h = Math.floor(i / 60);
  const m = i % 60;
  return `${h < 10 ? "0" : ""}${h}:${m < 10 ? "0" : ""}${m}:`;
});
let dayStart = Number.NaN;
/** `YYYY-MM-DDT` of the cached day. */
let dayPrefix = "";
/** The text up to the last second formatted (`YYYY-MM-DDTHH:MM:SS.`), and which second of the day. */
let secondPrefix = "";
let secondOfDay = -1;
/** The last time formatted: consecutive lines often share their second, or their millisecond. */
let lastTime = Number.NaN;
let lastIso = "";

/**
 * `new Date(t).toISOString()`, with the date part cached: a source's lines mostly fall on one UTC day
 * but not in one minute (sparse or interleaved sources), so the time of day is built from tables with
 * small-integer arithmetic (`t` itself is a heap double, and a double `%` is a library call).
 */
export function formatIso(t: number): string {
  if (t === lastTime) return lastIso;
  if (
    !(t - dayStart >= 0 && t - dayStart < DAY_MS) &&
    Number.isInteger(t) &&
    t >= MIN_4_DIGIT_YEAR_MS &&
    t <= MAX_4_DIGIT_YEAR_MS
  ) {
    // A new day: its `YYYY-MM-DDT` by arithmetic, not through a Date (sparse logs change day often).
    const day = Math.floor(t / DAY_MS);
    dayStart = day * DAY_MS;
    dayPrefix = civilDatePrefix(day);
    secondOfDay = -1;
  }
  const off = t - dayStart;
  lastTime = t;
  const o = off | 0;
  if (o === off && o >= 0 && o < DAY_MS) {
    const second = (o / 1000) | 0;
    if (second !== secondOfDay) {
      const min = (second / 60) | 0;
      secondPrefix = dayPrefix + HHMM[min]! + SS[second - min * 60]!;
      secondOfDay = second;
    }
    lastIso = secondPrefix + MMMZ[o - second * 1000]!;
    return lastIso;
  }
  lastIso = new Date(t).toISOString();
  return lastIso;
}

/** `0000-01-01T00:00:00.000Z` and `9999-12-31T23:59:59.999Z`: the years `toISOString` writes with 4 digits. */
const MIN_4_DIGIT_YEAR_MS = -62_167_219_200_000;
const MAX_4_DIGIT_YEAR_MS = 253_402_300_799_999;

/** `YYYY-MM-DDT` of a day counted from 1970-01-01 (proleptic Gregorian, years 0 to 9999). */
function civilDatePrefix(day: number): string {
  // Howard Hinnant's `civil_from_days`: eras of 400 years starting on March 1st.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, "0")}-${m < 10 ? "0" : ""}${m}-${d < 10 ? "0" : ""}${d}T`;
}
