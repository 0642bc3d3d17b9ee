/**
 * Splits the header (timestamp, host, level, pid, component) off a raw log line, with no per-format
 * rules: the leading tokens are classified by shape (date/time, level word, number, bracketed field,
 * `component:`), and the header ends at the first anchor that closes it:
 *
 * - a level word, plus what usually follows one (`[thread]`, a qualified `pkg.Class:`, a `-` separator):
 *   `2015-10-18 18:01:47,978 INFO [main] org.apache.X: body`, `[Sun Dec 04 …] [notice] body`;
 * - else a `prog[pid]:` / `prog:` component right after a timestamp and at most one host token:
 *   `Jun 14 15:16:01 combo sshd(pam_unix)[19939]: body`;
 * - else the last timestamp among the first tokens, plus any bare numbers after it (pid, flag):
 *   `134681 node-246 unix.hw state_change.unavailable 1077804742 1 body`.
 *
 * A line that does not start like a header is returned whole as the body.
 *
 * One module: the splitter's state is module-level, as typed arrays and `let`s so that a line allocates no
 * per-token object: the current line and its classified tokens (`ensure`, `classifyAt`), the last split's
 * choices, the learned header shapes and their index. The tokenizer, the split, the replay of a learned
 * shape and the learner all read and write it, and another module cannot assign a module's bindings, so
 * a split would move that state into an object and add a property load to each access on the per-line
 * path (`splitHeader` runs on every plain-text line; test/parsers/header-memo.test.ts and bench:parse).
 */

import { digitFree, isDigit, isLetter, ownCopy } from "./chars.js";
import { monthDayAt } from "./drain/header-dates.js";
import { digitsTimeKind, timeKindAt } from "./drain/header-time.js";
import { type TimeShape, timeCache } from "./drain/time-cache.js";

export interface LineHeader {
  /** ISO-8601 UTC with `Z`, when a timestamp was recognised. */
  timestamp: string | null;
  level: string | null;
  host: string | null;
  pid: number | null;
  component: string | null;
  /** What is left: the message body. */
  body: string;
}

/** How far into a line a header may reach, in tokens. */
const WINDOW = 12;

const T_OTHER = 0;
const T_TIME = 1;
const T_LEVEL = 2;
const T_NUMBER = 3;
const T_SEP = 4;
const T_BRACKET = 5;
const T_COMPONENT = 6;

const LEVELS = [
  "TRACE",
  "DEBUG",
  "INFO",
  "NOTICE",
  "WARN",
  "WARNING",
  "ERROR",
  "ERR",
  "SEVERE",
  "CRITICAL",
  "CRIT",
  "ALERT",
  "EMERG",
  "EMERGENCY",
  "FATAL",
  "PANIC",
  "FINE",
  "FINER",
  "FINEST",
  "CONFIG",
  "VERBOSE",
];

/** Level indexes by word length (3 to 9): a token is compared with the few words of its own length. */
const LEVELS_BY_LENGTH: number[][] = Array.from({ length: 10 }, () => []);
for (let i = 0; i < LEVELS.length; i++) LEVELS_BY_LENGTH[LEVELS[i]!.length]!.push(i);

/**
 * The text last returned for each level: headers repeat their level word, so `levelAt` hands back the
 * same string instead of slicing a new one per line.
 */
const levelTexts: string[] = LEVELS.slice();

/** The span of the level word found by the last successful `levelIndexAt` (brackets or `:` excluded). */
let levelStart = 0;
let levelEnd = 0;
/**
 * Whether that word was a bare capitalised one (`Info`, `Warning`): a word a sentence may start with, so
 * `classifyAt` takes it as a level only where a header puts one (see `levelPlace`).
 */
let levelCapitalised = false;

/**
 * Index in `LEVELS` of the level word in s[a, b): upper-case or capitalised bare (`INFO`, `WARN:`,
 * `Info`) or any case in brackets (`[notice]`); -1 when none. Compares char codes: most header tokens
 * are not levels, and a classifier that sliced and upper-cased each one allocated per token.
 */
function levelIndexAt(s: string, a: number, b: number): number {
  const c0 = s.charCodeAt(a);
  const cl = s.charCodeAt(b - 1);
  let bracketed = false;
  if ((c0 === 91 && cl === 93) || (c0 === 60 && cl === 62) || (c0 === 40 && cl === 41)) {
    a++;
    b--;
    bracketed = true;
  } else if (cl === 58) b--;
  const n = b - a;
  if (n < 3 || n > 9) return -1;
  let lowers = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lowers++;
    else if (c < 65 || c > 90) return -1;
  }
  // Bare: all upper case, or an upper-case letter then lower case (`Info`, as Windows' CBS log writes).
  const capitalised = !bracketed && lowers > 0;
  if (capitalised && (lowers !== n - 1 || s.charCodeAt(a) >= 97)) return -1;
  const candidates = LEVELS_BY_LENGTH[n]!;
  for (let k = 0; k < candidates.length; k++) {
    const word = LEVELS[candidates[k]!]!;
    let i = 0;
    // The span holds letters only, so `& ~32` upper-cases it (a no-op on bare upper-case tokens).
    while (i < n && (s.charCodeAt(a + i) & ~32) === word.charCodeAt(i)) i++;
    if (i === n) {
      levelStart = a;
      levelEnd = b;
      levelCapitalised = capitalised;
      return candidates[k]!;
    }
  }
  return -1;
}

/** The level word in s[a, b) as written (`INFO`, `notice`), or null. */
function levelAt(s: string, a: number, b: number): string | null {
  const idx = levelIndexAt(s, a, b);
  if (idx < 0) return null;
  const last = levelTexts[idx]!;
  if (last.length === levelEnd - levelStart && s.startsWith(last, levelStart)) return last;
  const word = s.slice(levelStart, levelEnd);
  levelTexts[idx] = word;
  return word;
}

/**
 * Android logcat's one-letter priorities (V, D, I, W, E, F), read as a level only where logcat's
 * `threadtime` format puts one: after the time and the pid/tid numbers, before a `Tag:` (`split`, step 3).
 * A capital letter elsewhere is a word.
 */
function isLevelLetter(c: number): boolean {
  return c === 86 || c === 68 || c === 73 || c === 87 || c === 69 || c === 70;
}

/** The level text of token s[a, b) that a split took as the level: a level word or a logcat letter. */
function levelTextAt(s: string, a: number, b: number): string | null {
  if (b - a === 1) return isLevelLetter(s.charCodeAt(a)) ? s.charAt(a) : null;
  return levelAt(s, a, b);
}

/**
 * Where a component's name ends in its token ending at `b`: before the `:` of `prog[pid]:`, or at `b`
 * for a `|`-separated field (`20171223-22:15:29:606|Step_LSC|30002312|…`), which has none.
 */
function componentEnd(s: string, b: number): number {
  return s.charCodeAt(b - 1) === 58 ? b - 1 : b;
}

function isIdentChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) ||
    isLetter(c) ||
    c === 95 ||
    c === 46 ||
    c === 36 ||
    c === 45 ||
    c === 47 ||
    c === 64
  );
}

/**
 * `name:`, `name[pid]:`, `name(sub)[pid]:`, `pkg.Class$Inner:` in s[a, b). 2 when "qualified" (dots,
 * `$`, brackets: the kind a logger prints after a level word), 1 for a bare `name:`, 0 otherwise.
 */
function componentAt(s: string, a: number, b: number): 0 | 1 | 2 {
  if (b - a < 2 || s.charCodeAt(b - 1) !== 58) return 0;
  let qualified = false;
  let depth = 0;
  let letters = 0;
  for (let i = a; i < b - 1; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 91) {
      depth++;
      qualified = true;
    } else if (c === 41 || c === 93) {
      if (--depth < 0) return 0;
    } else if (depth > 0) {
      if (c === 32) return 0;
    } else if (!isIdentChar(c)) return 0;
    else {
      if (c === 46 || c === 36) qualified = true;
      if (isLetter(c)) letters++;
    }
  }
  if (depth !== 0 || letters === 0) return 0;
  return qualified ? 2 : 1;
}

/** A bare integer in s[a, b), optionally negative (`148`, `-1`). */
function isNumberAt(s: string, a: number, b: number): boolean {
  if (b - a === 0 || b - a > 10) return false;
  const from = s.charCodeAt(a) === 45 && b - a > 1 ? a + 1 : a;
  for (let i = from; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * The pid of a component s[a, b) such as `sshd(pam_unix)[19939]`: the number in its last brackets, when
 * they end it and are not its start; null otherwise, or when negative. Read in place: no slices.
 */
function componentPid(s: string, a: number, b: number): number | null {
  const from = componentPidFrom(s, a, b);
  if (from < 0) return null;
  const v = integerAt(s, from, b - 1);
  return v >= 0 ? v : null;
}

/** Where the number of `componentPid` starts (b - 1 is its end), or -1 when there is none. */
function componentPidFrom(s: string, a: number, b: number): number {
  if (s.charCodeAt(b - 1) !== 93) return -1;
  let open = b - 2;
  while (open >= a && s.charCodeAt(open) !== 91) open--;
  return open <= a || !isNumberAt(s, open + 1, b - 1) ? -1 : open + 1;
}

/** The value of s[a, b), which `isNumberAt` accepted, as `Number` reads it (`-0` included). */
function integerAt(s: string, a: number, b: number): number {
  const negative = s.charCodeAt(a) === 45;
  let v = 0;
  for (let i = negative ? a + 1 : a; i < b; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return negative ? -v : v;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** Whether every space-separated part of s[a, b) is a time part (`Sun Dec 04 04:47:44 2005`). */
function isTimeGroup(s: string, a: number, b: number): boolean {
  let parts = 0;
  let i = a;
  while (i < b) {
    while (i < b && s.charCodeAt(i) === 32) i++;
    if (i >= b) break;
    const start = i;
    while (i < b && s.charCodeAt(i) !== 32) i++;
    if (timeKindAt(s, start, i) === 0) return false;
    // A year-less `10.30` (Proxifier's `[10.30 16:49:06]`) is a date only before a clock.
    if (i - start === 5 && monthDayAt(s, start, i) && !clockAt(s, i, b)) return false;
    parts++;
  }
  return parts >= 2;
}

/** Whether the next space-separated part from `i` (up to `b`) is a clock (`16:13:38.811`). */
function clockAt(s: string, i: number, b: number): boolean {
  while (i < b && s.charCodeAt(i) === 32) i++;
  const start = i;
  let colon = false;
  while (i < b && s.charCodeAt(i) !== 32) {
    if (s.charCodeAt(i) === 58) colon = true;
    i++;
  }
  return colon && i > start && timeKindAt(s, start, i) === 2;
}

/**
 * The leading tokens of the current line, tokenised and classified lazily (most lines settle their
 * header within a few tokens). Module-level typed arrays: no per-token objects on the hot path.
 */
const tStart = new Int32Array(WINDOW);
const tEnd = new Int32Array(WINDOW);
const tKind = new Uint8Array(WINDOW);
/** The classifier's look-behind state after each token, so a learned shape can resume from it. */
const tMonth = new Uint8Array(WINDOW);
const tDayOrClock = new Uint8Array(WINDOW);
/**
 * 1 for a qualified component (`componentAt` 2, the kind a level word may be followed by): kept with
 * the kinds so a resumed shape does not read its component again (digits do not change the answer).
 */
const tQualified = new Uint8Array(WINDOW);
/** Whether the component `classifyAt` last found is qualified. */
let qualifiedComponent = false;
let cur = "";
let count = 0;
let pos = 0;
/**
 * Whether the line's fields are `|`-separated (`20171223-22:15:29:606|Step_LSC|30002312|body`): set when
 * the first token is a time up to a `|`. Tokens then end at `|` too, and the body starts after it.
 */
let pipe = false;
let prevMonth = false;
let prevDayOrClock = false;
/**
 * The highest token index `split` asked for (`ensure`), read or not: how far it looked, which the
 * plan of its line keeps (see `Plan`).
 */
let reach = -1;

function reset(line: string): void {
  cur = line;
  count = 0;
  pos = 0;
  reach = -1;
  prevMonth = false;
  prevDayOrClock = false;
  pipe = false;
}

/** Makes sure token k is read; false when the line (or the window) has fewer tokens. */
function ensure(k: number): boolean {
  if (k > reach) reach = k;
  const s = cur;
  const n = s.length;
  while (count <= k) {
    if (count >= WINDOW) return false;
    if (pipe) while (pos < n && (isSpace(s.charCodeAt(pos)) || s.charCodeAt(pos) === 124)) pos++;
    else while (pos < n && isSpace(s.charCodeAt(pos))) pos++;
    if (pos >= n) return false;
    const start = pos;
    let kind = T_OTHER;
    let grouped = false;
    if (s.charCodeAt(pos) === 91) {
      // `[...]` with spaces inside is one token: a bracketed time, or a thread name.
      const close = s.indexOf("]", pos);
      const space = s.indexOf(" ", pos);
      if (close > 0 && space > 0 && space < close && close - pos < 256) {
        const after = close + 1 < n ? s.charCodeAt(close + 1) : 32;
        if (isTimeGroup(s, pos + 1, close)) {
          kind = T_TIME;
          grouped = true;
        } else if (count > 0 && after === 32 && s.lastIndexOf("[", close) === pos) grouped = true;
        if (grouped) pos = close + 1;
      }
    }
    if (pipe) while (pos < n && !isSpace(s.charCodeAt(pos)) && s.charCodeAt(pos) !== 124) pos++;
    else if (!grouped) {
      while (pos < n && !isSpace(s.charCodeAt(pos))) pos++;
      if (count === 0) {
        // A time up to a `|` starts a `|`-separated header: its fields become tokens.
        let bar = start;
        while (bar < pos && s.charCodeAt(bar) !== 124) bar++;
        if (bar < pos && bar > start && timeKindAt(s, start, bar) === 2) {
          pipe = true;
          pos = bar;
        }
      }
    }
    tStart[count] = start;
    tEnd[count] = pos;
    const classified = kind === T_TIME ? T_TIME : classifyAt(s, start, pos);
    tKind[count] = classified;
    tQualified[count] = classified === T_COMPONENT && qualifiedComponent ? 1 : 0;
    if (kind === T_TIME) {
      prevMonth = false;
      prevDayOrClock = false;
    }
    tMonth[count] = prevMonth ? 1 : 0;
    tDayOrClock[count] = prevDayOrClock ? 1 : 0;
    count++;
  }
  return true;
}

function classifyAt(s: string, a: number, b: number): number {
  let tk = timeKindAt(s, a, b);
  const n = b - a;
  // A year-less month-day (`03-17`) is a date before a clock only; alone it may be a range or version.
  if (tk === 1 && n === 5) tk = clockAt(s, b, s.length) ? 2 : 0;
  // After `03-17 16:13:38.811`, a 4-digit number is Android's pid (`2027`), not the year: that format
  // writes none.
  else if (tk === 1 && n === 4 && count >= 2 && tKind[count - 2] === T_TIME)
    if (monthDayAt(s, tStart[count - 2]!, tEnd[count - 2]!)) tk = 0;
  if (tk === 2 || (tk === 1 && (n <= 2 ? prevMonth : prevDayOrClock))) {
    // What a bare day number or year may follow: a month name (`Jun 14`), or a day or clock (`04 2005`).
    const c0 = s.charCodeAt(a);
    prevMonth = !(c0 >= 48 && c0 <= 57);
    prevDayOrClock = n <= 2 || (s.indexOf(":", a) < b && s.indexOf(":", a) >= 0);
    return T_TIME;
  }
  prevMonth = false;
  prevDayOrClock = false;
  if (levelIndexAt(s, a, b) >= 0 && (!levelCapitalised || levelPlace())) return T_LEVEL;
  const c0 = s.charCodeAt(a);
  if (n <= 2 && (c0 === 45 || c0 === 124 || c0 === 58) && (n === 1 || s.charCodeAt(a + 1) === c0))
    return T_SEP;
  if (isNumberAt(s, a, b)) return T_NUMBER;
  const component = componentAt(s, a, b);
  if (component) {
    qualifiedComponent = component === 2;
    return T_COMPONENT;
  }
  if (c0 === 91 && s.charCodeAt(b - 1) === 93) return T_BRACKET;
  return T_OTHER;
}

/**
 * Whether the token being classified (index `count`) stands where a header writes its level: right after
 * a time, or after a number (pid) or a separator that follow one. A capitalised level word (`Info`) is
 * taken only there; elsewhere it is a word of the message (`… Alert button pressed`, `404 Error page`).
 */
function levelPlace(): boolean {
  if (count === 0) return false;
  const prev = tKind[count - 1]!;
  if (prev === T_TIME) return true;
  if (prev !== T_NUMBER && prev !== T_SEP) return false;
  for (let k = count - 2; k >= 0; k--) if (tKind[k] === T_TIME) return true;
  return false;
}

/**
 * The node or host a level-anchored header names between its time and its level word, or -1: the first
 * token right after a time that reads as a machine id (a letter first, then letters, digits and
 * `-._:/`, with at least one digit), as BGL's `2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50 …
 * RAS KERNEL INFO`. Words (`RAS`, `KERNEL`, a thread's `main`) hold no digit and are not taken: a finding
 * names the machine that logged it, and these formats have no other place that says so.
 */
function nodeTokenBefore(s: string, levelToken: number): number {
  for (let j = 1; j < levelToken; j++) {
    if (tKind[j] !== T_OTHER || tKind[j - 1] !== T_TIME) continue;
    if (machineIdAt(s, tStart[j]!, tEnd[j]!)) return j;
  }
  return -1;
}

function machineIdAt(s: string, a: number, b: number): boolean {
  if (b - a < 2 || b - a > 64 || !isLetter(s.charCodeAt(a))) return false;
  let digits = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (isDigit(c)) digits++;
    // - . / : _
    else if (!isLetter(c) && c !== 45 && c !== 46 && c !== 47 && c !== 58 && c !== 95) return false;
  }
  return digits > 0;
}

function digitsOnly(s: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

function noHeader(line: string): LineHeader {
  return { timestamp: null, level: null, host: null, pid: null, component: null, body: line };
}

/**
 * Splits `line`'s header off. `readTime` false: the caller has the line's time from elsewhere, so the
 * header's time text is recognised (the split is the same) but not converted, and `timestamp` is null.
 * The conversion comes after every choice of the split, and its cache only remembers conversions.
 */
export function splitHeader(line: string, readTime = true): LineHeader {
  reset(line);
  const known = resume(line);
  if (known) {
    const replayed = replay(line, resumed!, readTime);
    if (replayed) return replayed;
  }
  const h = split(line, readTime);
  if (lastCut >= 0) {
    if (!known) learn(line, lastCut, h.level);
    else addPlan(resumed!, planOf(line, resumed!.tokens));
  }
  return h;
}

/** Keeps a plan for a shape, first in its list (the oldest goes past `MAX_PLANS`). */
function addPlan(sh: Shape, plan: Plan): void {
  sh.plans.unshift(plan);
  if (sh.plans.length > MAX_PLANS) sh.plans.pop();
}

/** Index of the last header token of the last line split, or -1 when it had no header. */
let lastCut = -1;
/** The token the last line split took its level from, or -1. */
let lastLevelToken = -1;
/** The tokens the last split took its component and host from (-1: none). */
let lastComponentToken = -1;
let lastHostToken = -1;
/** The first and last time tokens of the last split's header, or -1. */
let lastFirstTime = -1;
let lastLastTime = -1;
/** The shape the current line resumed from, or null. */
let resumed: Shape | null = null;

function split(line: string, readTime: boolean): LineHeader {
  reach = -1;
  lastCut = -1;
  lastLevelToken = -1;
  if (!ensure(1)) return noHeader(line);
  const first = tKind[0]!;
  if (first === T_OTHER || first === T_COMPONENT) {
    // A header starts with a time, a level, a number or a separator; one leading id/host token is
    // allowed only when a time follows closely.
    // A bare run of digits alone is too weak a time for that: "wrote 123456 rows" and "took 235959 ms"
    // read 123456 and 235959 as hhmmss, and the header cut took the text before them out of the message.
    // With a written time right after it, it is a header: BGL's `APPREAD 1117869872 2005.06.04 …`.
    let t = -1;
    for (let k = 1; k < 5 && ensure(k); k++)
      if (tKind[k] === T_TIME) {
        if (!digitsOnly(line, tStart[k]!, tEnd[k]!)) t = k;
        else
          for (let j = k + 1; j <= k + 2 && ensure(j); j++)
            if (tKind[j] === T_TIME && !digitsOnly(line, tStart[j]!, tEnd[j]!)) {
              t = k;
              break;
            }
        break;
      }
    if (t < 0) return noHeader(line);
  }

  let cut = -1; // index of the last header token
  let level: string | null = null;
  let component: string | null = null;
  let componentToken = -1;
  let host: string | null = null;
  let pid: number | null = null;
  lastHostToken = -1;

  // 0. `|`-separated fields: the time, then `component|pid|` where a HealthApp-style log puts them.
  if (pipe) {
    let j = 0;
    while (ensure(j) && tKind[j] === T_TIME) j++;
    if (
      j > 0 &&
      ensure(j + 1) &&
      tKind[j] === T_OTHER &&
      tKind[j + 1] === T_NUMBER &&
      line.charCodeAt(tEnd[j]!) === 124 &&
      line.charCodeAt(tEnd[j + 1]!) === 124
    ) {
      component = line.slice(tStart[j]!, tEnd[j]!);
      componentToken = j;
      cut = j + 1;
    }
  }

  // 1. Level anchor, plus what follows a level: `[thread]`, `-`, a qualified `pkg.Class:`.
  let sawTime = false;
  for (let k = 0; cut < 0 && ensure(k); k++) {
    const kind = tKind[k]!;
    if (kind === T_TIME) sawTime = true;
    else if (kind === T_LEVEL && (sawTime || k <= 1)) {
      // A resumed shape's level word has the shape's text (words have no digits): no need to read it.
      level = resumed && k === resumed.levelToken ? resumed.level : levelAt(line, tStart[k]!, tEnd[k]!);
      lastLevelToken = k;
      cut = k;
      const ht = sawTime ? nodeTokenBefore(line, k) : -1;
      if (ht >= 0) {
        host = line.slice(tStart[ht]!, tEnd[ht]!);
        lastHostToken = ht;
      }
      let j = k + 1;
      while (
        ensure(j) &&
        (tKind[j] === T_BRACKET ||
          tKind[j] === T_SEP ||
          (tKind[j] === T_OTHER &&
            line.charCodeAt(tStart[j]!) === 91 &&
            line.charCodeAt(tEnd[j]! - 1) === 93))
      ) {
        cut = j;
        j++;
      }
      if (ensure(j) && tKind[j] === T_COMPONENT && tQualified[j] === 1) {
        component = line.slice(tStart[j]!, tEnd[j]! - 1);
        componentToken = j;
        cut = j;
        j++;
        while (ensure(j) && tKind[j] === T_SEP) {
          cut = j;
          j++;
        }
      }
      break;
    } else if (kind === T_COMPONENT) break;
  }

  // 2. Component anchor: a time, at most one host token, then `prog[pid]:`.
  if (cut < 0) {
    let lastTime = -1;
    for (let k = 0; ensure(k); k++) {
      const kind = tKind[k]!;
      if (kind === T_TIME) lastTime = k;
      else if (
        kind === T_COMPONENT &&
        lastTime >= 0 &&
        (k - lastTime === 1 || (k - lastTime === 2 && tKind[k - 1] === T_OTHER))
      ) {
        if (k - lastTime === 2) {
          host = line.slice(tStart[k - 1]!, tEnd[k - 1]!);
          lastHostToken = k - 1;
        }
        component = line.slice(tStart[k]!, tEnd[k]! - 1);
        componentToken = k;
        cut = k;
        break;
      }
    }
  }

  // 3. Time anchor: the last time token among the first 8, plus the bare numbers after it (pid, flag).
  if (cut < 0) {
    let lastTime = -1;
    for (let k = 0; k < 8 && ensure(k); k++) if (tKind[k] === T_TIME) lastTime = k;
    if (lastTime < 0) return noHeader(line);
    cut = lastTime;
    for (let j = lastTime + 1; j <= lastTime + 2 && ensure(j) && tKind[j] === T_NUMBER; j++) cut = j;
    // Android logcat (`threadtime`): time, pid, tid, a one-letter priority, then `Tag:`.
    if (
      cut > lastTime &&
      ensure(cut + 2) &&
      tEnd[cut + 1]! - tStart[cut + 1]! === 1 &&
      isLevelLetter(line.charCodeAt(tStart[cut + 1]!)) &&
      tKind[cut + 2] === T_COMPONENT
    ) {
      level = line.charAt(tStart[cut + 1]!);
      lastLevelToken = cut + 1;
      component = line.slice(tStart[cut + 2]!, tEnd[cut + 2]! - 1);
      componentToken = cut + 2;
      cut += 2;
    }
  }

  if (component) pid = componentPid(line, tStart[componentToken]!, componentEnd(line, tEnd[componentToken]!));
  // Time parts, and a bare number right after the time (`081109 203615 148 INFO`) as the pid.
  let firstTime = -1;
  let lastTime = -1;
  for (let k = 0; k <= cut; k++) {
    const kind = tKind[k]!;
    if (kind === T_TIME) {
      if (firstTime < 0) firstTime = k;
      lastTime = k;
    } else if (kind === T_NUMBER && pid === null && k > 0 && afterTimeOrComponent(tKind, k, componentToken)) {
      const v = integerAt(line, tStart[k]!, tEnd[k]!);
      if (v >= 0) pid = v;
    }
  }
  lastCut = cut;
  lastComponentToken = componentToken;
  lastFirstTime = firstTime;
  lastLastTime = lastTime;
  const timestamp =
    firstTime >= 0 && readTime
      ? timeCache.iso(
          line,
          tStart,
          tEnd,
          tKind,
          T_TIME,
          firstTime,
          lastTime,
          resumed,
          resumed ? resumed.tokens : 0,
        )
      : null;
  return { timestamp, level, host, pid, component, body: bodyAfter(line, tEnd[cut]!, pipe) };
}

/**
 * Whether a bare number at token k is the pid: right after a time (`081109 203615 148 INFO`), or right
 * after a component that has no `[pid]` of its own (`|Step_LSC|30002312|`). A level- or
 * component-anchored header ends at its component, so only a `|`-separated one has a number after it.
 */
function afterTimeOrComponent(kinds: Uint8Array, k: number, componentToken: number): boolean {
  return kinds[k - 1] === T_TIME || (componentToken >= 0 && k - 1 === componentToken);
}

/**
 * The body: what follows the last header token (it ends at `end`), from its first non-space char, and
 * past the `|` that ends the field in a `|`-separated header.
 */
function bodyAfter(line: string, end: number, pipeFields: boolean): string {
  let b = end;
  if (pipeFields && line.charCodeAt(b) === 124) b++;
  while (b < line.length && isSpace(line.charCodeAt(b))) b++;
  return line.slice(b);
}

/**
 * A learned header shape: the header tokens of a line, with every digit a wildcard. Lines of one source
 * share the shape (`081109 203615 148 INFO dfs.DataNode$PacketResponder:`), so a line that matches it
 * char for char (digits for digits) has the same token boundaries and the same token kinds, and the
 * split resumes after them instead of classifying them again. Kinds that hang on digit values (a day
 * is 1-31, `hhmmss` needs valid fields, epochs start with 1) are re-checked on the new digits. The
 * rest of the split runs as usual, so the result is the one the full classification gives.
 */
interface Shape extends TimeShape {
  skel: string;
  /**
   * The skeleton's char codes: compared on every line, and a typed array reads faster than the
   * skeleton string (a slice of a line, which V8 keeps as a view that each charCodeAt unwraps).
   */
  codes: Uint16Array;
  /** The char right after the header, which must match exactly; -1: the line ended there. */
  sep: number;
  tokens: number;
  starts: Int32Array;
  ends: Int32Array;
  kinds: Uint8Array;
  qualified: Uint8Array;
  month: boolean;
  dayOrClock: boolean;
  /** The token split took the level word from (-1: none), and that word. */
  levelToken: number;
  level: string | null;
  /** Spans whose time kind depends on digit values: [start, end, kind they had, 1 if all digits]*. */
  checks: Int32Array;
  /** `skeletonHash` of the skeleton: the shape's key in `shapeIndex`. */
  hash: number;
  /** Whether the header is `|`-separated (`pipe`), which the tokens past the shape need. */
  pipe: boolean;
  /** How lines of the shape were split, most recent first (see `Plan`); at most `MAX_PLANS`. */
  plans: Plan[];
}

/**
 * How `split` split a line of a shape: what it looked at past the shape's tokens (the
 * `tokenSignature` of each token it read there, in order, and the index of the token it asked for and
 * did not find, -1: none), and its choices as token indexes (-1: none). Another line of the shape whose
 * tokens there have the same signatures, and that ends at the same token, takes the same branches:
 * see `replay`.
 */
interface Plan {
  look: Uint8Array;
  lookEnd: number;
  cut: number;
  levelToken: number;
  componentToken: number;
  hostToken: number;
  firstTime: number;
  lastTime: number;
}

/**
 * Plans kept per shape: one per way the words after a header go (a qualified component or a bare
 * one after the level, a bracket or not); a few cover a source, and each costs a comparison on lines
 * that fit none of them.
 */
const MAX_PLANS = 4;

/** The plan of the split just made of a line whose shape has `from` tokens. */
function planOf(line: string, from: number): Plan {
  const lookTo = Math.min(reach, count - 1);
  const look = new Uint8Array(Math.max(0, lookTo - from + 1));
  for (let k = from; k <= lookTo; k++) look[k - from] = tokenSignature(line, k);
  return {
    look,
    lookEnd: reach >= count ? count : -1,
    cut: lastCut,
    levelToken: lastLevelToken,
    componentToken: lastComponentToken,
    hostToken: lastHostToken,
    firstTime: lastFirstTime,
    lastTime: lastLastTime,
  };
}

/** Whether the tokens past shape `sh` read as `plan`'s did (tokenising them as far as needed). */
function followsPlan(line: string, sh: Shape, plan: Plan): boolean {
  const look = plan.look;
  const from = sh.tokens;
  for (let q = 0; q < look.length; q++) {
    if (!ensure(from + q) || tokenSignature(line, from + q) !== look[q]) return false;
  }
  return plan.lookEnd < 0 || !ensure(plan.lookEnd);
}

/**
 * Everything `split` reads of token k to choose its branches: its kind, whether a component is
 * qualified, whether it is `[…]`, and whether a time token is digits only.
 */
function tokenSignature(line: string, k: number): number {
  const kind = tKind[k]!;
  const a = tStart[k]!;
  const b = tEnd[k]!;
  let sig = kind | (tQualified[k]! << 3);
  if (line.charCodeAt(a) === 91 && line.charCodeAt(b - 1) === 93) sig |= 16;
  if (kind === T_TIME && digitsOnly(line, a, b)) sig |= 32;
  // What the `|`-field and logcat rules read besides kinds: a field's closing `|`, a priority letter.
  if (pipe && line.charCodeAt(b) === 124) sig |= 64;
  if (b - a === 1 && isLevelLetter(line.charCodeAt(a))) sig |= 128;
  return sig;
}

/**
 * The split of a line that resumed `sh`, without running `split`: the split's choices hang only on the
 * tokens it reads (their kinds, qualified components, brackets and all-digit times), and within the
 * shape those are the shape's (digits are where the shape has them; digit-valued time kinds were
 * re-checked by `fits`). So when the tokens a plan's split read past the shape have the same
 * signatures here, the split takes the same branches, and only values are read from this line: the
 * times, level word, pid, component, host and body, each as `split` reads it. Null when no plan fits:
 * the caller splits as usual, on the tokens read so far.
 */
function replay(line: string, sh: Shape, readTime: boolean): LineHeader | null {
  const plans = sh.plans;
  let plan: Plan | null = null;
  for (let i = 0; i < plans.length; i++) {
    if (followsPlan(line, sh, plans[i]!)) {
      plan = plans[i]!;
      break;
    }
  }
  if (!plan) return null;
  lastCut = plan.cut;
  lastLevelToken = plan.levelToken;
  lastComponentToken = plan.componentToken;
  lastHostToken = plan.hostToken;
  lastFirstTime = plan.firstTime;
  lastLastTime = plan.lastTime;
  const lt = plan.levelToken;
  const level = lt < 0 ? null : lt === sh.levelToken ? sh.level : levelTextAt(line, tStart[lt]!, tEnd[lt]!);
  return headerValues(line, plan, level, tStart, tEnd, tKind, readTime ? sh : null, sh.tokens, sh.pipe);
}

/** The split's choices as token indexes (-1: none): a `Plan`'s, or a `HeaderReplay`'s. */
interface Choices {
  readonly cut: number;
  readonly componentToken: number;
  readonly hostToken: number;
  readonly firstTime: number;
  readonly lastTime: number;
}

/**
 * The header of `line` given the split's choices and its tokens: times, pid, component, host and body
 * read from this line as `split` reads them. `time` null: the time is not converted.
 */
function headerValues(
  line: string,
  ch: Choices,
  level: string | null,
  starts: Int32Array,
  ends: Int32Array,
  kinds: Uint8Array,
  time: TimeShape | null,
  timeTokens: number,
  /** Whether the header is `|`-separated (`pipe` of its split). */
  pipeFields: boolean,
): LineHeader {
  const cut = ch.cut;
  const ct = ch.componentToken;
  const component = ct >= 0 ? line.slice(starts[ct]!, componentEnd(line, ends[ct]!)) : null;
  let pid = ct >= 0 ? componentPid(line, starts[ct]!, componentEnd(line, ends[ct]!)) : null;
  // A bare number right after a time (or a `|` field's component), as `split` reads it (a negative one is no pid).
  for (let k = 1; k <= cut && pid === null; k++) {
    if (kinds[k] === T_NUMBER && afterTimeOrComponent(kinds, k, ct)) {
      const v = integerAt(line, starts[k]!, ends[k]!);
      if (v >= 0) pid = v;
    }
  }
  const ht = ch.hostToken;
  const host = ht >= 0 ? line.slice(starts[ht]!, ends[ht]!) : null;
  const timestamp =
    ch.firstTime >= 0 && time !== null
      ? timeCache.iso(line, starts, ends, kinds, T_TIME, ch.firstTime, ch.lastTime, time, timeTokens)
      : null;
  return { timestamp, level, host, pid, component, body: bodyAfter(line, ends[cut]!, pipeFields) };
}

/**
 * The split of the last line `splitHeader` was given, for a caller that memoises whole lines by their
 * skeleton (`RawLineMiner`): a line whose skeleton equals that line's has the same tokens, and the same
 * kinds but where a kind hangs on digit values (`checks`, re-checked as a learned shape's are), so it
 * splits the same way, and `replayHeader` reads its values without splitting.
 */
export interface HeaderReplay extends Choices, TimeShape {
  /** Whether the line had a header at all (false: the whole line is the body). */
  readonly header: boolean;
  readonly level: string | null;
  /** The tokens the split read, and their kinds. */
  readonly tokens: number;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly kinds: Uint8Array;
  /** Spans whose time kind depends on digit values: [start, end, kind they had, 1 if all digits]*. */
  readonly checks: Int32Array;
  /** Where the body starts. */
  readonly bodyStart: number;
  /** Whether the header is `|`-separated. */
  readonly pipe: boolean;
  /**
   * Where the pid is, [pidFrom, pidTo) (-1: the line has none), when its sign is not written: which
   * token gives the pid, and whether it has one, hang only on the skeleton then. NaN: ask `headerValues`.
   */
  readonly pidFrom: number;
  readonly pidTo: number;
  /**
   * The component's and the host's text when it holds no digit: every line of the skeleton has the same
   * text there, so replays share one string instead of slicing their own. Null: sliced from each line.
   */
  readonly componentText: string | null;
  readonly hostText: string | null;
}

/** `HeaderReplay` of the line `h` was just split from (call right after `splitHeader`). */
export function lastSplit(h: LineHeader): HeaderReplay {
  const line = cur;
  const tokens = count;
  const checks: number[] = [];
  for (let k = 0; k < tokens; k++) digitValuedSpans(line, tStart[k]!, tEnd[k]!, checks);
  const pid = pidSpan(line);
  return {
    header: lastCut >= 0,
    level: h.level,
    cut: lastCut,
    componentToken: lastCut >= 0 ? lastComponentToken : -1,
    hostToken: lastCut >= 0 ? lastHostToken : -1,
    firstTime: lastCut >= 0 ? lastFirstTime : -1,
    lastTime: lastCut >= 0 ? lastLastTime : -1,
    tokens,
    starts: tStart.slice(0, tokens),
    ends: tEnd.slice(0, tokens),
    kinds: tKind.slice(0, tokens),
    checks: Int32Array.from(checks),
    bodyStart: line.length - h.body.length,
    pipe,
    // Not spread from `pidSpan`'s object: a literal of its own keeps every replay of one hidden class.
    pidFrom: pid.pidFrom,
    pidTo: pid.pidTo,
    componentText: lastCut >= 0 && lastComponentToken >= 0 ? textOfSkeleton(h.component) : null,
    hostText: lastCut >= 0 && lastHostToken >= 0 ? textOfSkeleton(h.host) : null,
    timeConv: null,
    timeFirst: -1,
    timeLast: -1,
  };
}

/** `text`, a copy of its own, when it holds no digit (every line of its skeleton has it), else null. */
function textOfSkeleton(text: string | null): string | null {
  return text !== null && digitFree(text) ? ownCopy(text) : null;
}

/**
 * The pid's span in the line just split, as `headerValues` picks it (see `HeaderReplay.pidFrom`): NaN
 * when a candidate has a written sign, which the skeleton keeps but not its effect (`-0` is a pid and
 * `-3` none, so lines of one skeleton may take the pid from different tokens).
 */
function pidSpan(line: string): { pidFrom: number; pidTo: number } {
  if (lastCut < 0) return { pidFrom: -1, pidTo: -1 };
  const spans: number[] = [];
  const ct = lastComponentToken;
  if (ct >= 0) {
    const end = componentEnd(line, tEnd[ct]!);
    const from = componentPidFrom(line, tStart[ct]!, end);
    if (from >= 0) spans.push(from, end - 1);
  }
  for (let k = 1; k <= lastCut; k++)
    if (tKind[k] === T_NUMBER && afterTimeOrComponent(tKind, k, ct)) spans.push(tStart[k]!, tEnd[k]!);
  for (let i = 0; i < spans.length; i += 2)
    if (line.charCodeAt(spans[i]!) === 45) return { pidFrom: Number.NaN, pidTo: Number.NaN };
  // Unsigned, the first candidate is the pid (`componentPid`'s, else the first bare number's).
  return spans.length === 0 ? { pidFrom: -1, pidTo: -1 } : { pidFrom: spans[0]!, pidTo: spans[1]! };
}

/**
 * The header of `line`, whose skeleton (digits as digits) equals that of the line `r` was taken
 * from, without splitting it: null when a digit-valued kind differs (`Jun 45` is no date), and the
 * caller splits it the usual way.
 */
export function replayHeader(line: string, r: HeaderReplay, readTime: boolean): LineHeader | null {
  if (!checksHold(line, r.checks)) return null;
  if (!r.header) return noHeader(line);
  if (Number.isNaN(r.pidFrom))
    return headerValues(line, r, r.level, r.starts, r.ends, r.kinds, readTime ? r : null, r.tokens, r.pipe);
  // `headerValues` with what the skeleton fixes read from `r`: the pid's token, the body's start (the
  // spaces before it are the skeleton's), and the component's and host's text when they have no digit.
  const ct = r.componentToken;
  const ht = r.hostToken;
  return {
    timestamp:
      r.firstTime >= 0 && readTime
        ? timeCache.iso(line, r.starts, r.ends, r.kinds, T_TIME, r.firstTime, r.lastTime, r, r.tokens)
        : null,
    level: r.level,
    host: ht < 0 ? null : (r.hostText ?? line.slice(r.starts[ht]!, r.ends[ht]!)),
    pid: r.pidFrom < 0 ? null : integerAt(line, r.pidFrom, r.pidTo),
    component:
      ct < 0 ? null : (r.componentText ?? line.slice(r.starts[ct]!, componentEnd(line, r.ends[ct]!))),
    body: line.slice(r.bodyStart),
  };
}

/**
 * Appends the [start, end, time kind, all digits] of each span in s[a, b) whose time kind could change
 * with its digits: the token itself, or for a `[…]` token each space-separated part up to its `]` (a
 * bracketed time is one token of such parts).
 */
function digitValuedSpans(line: string, a: number, b: number, out: number[]): void {
  if (line.charCodeAt(a) !== 91) {
    if (digitValued(line, a, b)) out.push(a, b, timeKindAt(line, a, b), allDigits(line, a, b));
    return;
  }
  const close = line.indexOf("]", a);
  const end = close < 0 ? b : close;
  let i = a + 1;
  while (i < end) {
    while (i < end && line.charCodeAt(i) === 32) i++;
    const p = i;
    while (i < end && line.charCodeAt(i) !== 32) i++;
    if (i > p && digitValued(line, p, i)) out.push(p, i, timeKindAt(line, p, i), allDigits(line, p, i));
  }
}

/** Whether each span of `checks` has the time kind it had. */
function checksHold(line: string, checks: Int32Array): boolean {
  for (let i = 0; i < checks.length; i += 4) {
    const a = checks[i]!;
    const b = checks[i + 1]!;
    // Digits sit where the skeleton has them, so an all-digit span is all digits here too.
    const kind = checks[i + 3] === 1 ? digitsTimeKind(line, a, b) : timeKindAt(line, a, b);
    if (kind !== checks[i + 2]) return false;
  }
  return true;
}

/**
 * Most recently used first; a few, tried in turn on every line, for inputs that interleave sources
 * (a longer list measured slower: every line that fits none of them tries them all).
 */
const shapes: Shape[] = [];
const MAX_SHAPES = 16;

/**
 * Every shape learned (up to `MAX_INDEXED`), by `skeletonHash`: sources with more shapes than the list
 * holds (a shape per node name or component, as in BGL, HPC or Thunderbird) found none of them in the
 * list and split and learned again, a full split per line for a few percent of their lines. A line
 * that fits none of the list looks its prefixes up here, one hash over its chars, at the lengths
 * `indexLengths` lists, before splitting the full way. Which fitting shape a line resumes from does not
 * change its split (see `Shape`), so neither does where it was found.
 */
const shapeIndex = new Map<number, Shape[]>();
let indexed = 0;
const MAX_INDEXED = 1024;
/** The distinct skeleton lengths in `shapeIndex`, ascending. */
let indexLengths: number[] = [];

/** Hash of a skeleton, or of a line's first chars, with every digit as `0` (digits are wildcards). */
function skeletonHashStep(h: number, c: number): number {
  return Math.imul(h ^ (isDigit(c) ? 48 : c), 0x01000193);
}

function indexShape(sh: Shape): void {
  if (indexed >= MAX_INDEXED) {
    // Rare (a thousand header shapes): start over from the shapes in use.
    shapeIndex.clear();
    indexed = 0;
    indexLengths = [];
    for (const kept of shapes) if (kept !== sh) indexShape(kept);
  }
  const bucket = shapeIndex.get(sh.hash);
  if (bucket) bucket.push(sh);
  else shapeIndex.set(sh.hash, [sh]);
  indexed++;
  const n = sh.codes.length;
  if (!indexLengths.includes(n)) {
    indexLengths.push(n);
    indexLengths.sort((x, y) => x - y);
  }
}

/** A shape of the index that `line` fits, or null. */
function indexedShape(line: string): Shape | null {
  const len = line.length;
  const lengths = indexLengths;
  let h = SKELETON_SEED;
  let i = 0;
  for (let k = 0; k < lengths.length; k++) {
    const n = lengths[k]!;
    if (n > len) break;
    for (; i < n; i++) h = skeletonHashStep(h, line.charCodeAt(i));
    const bucket = shapeIndex.get(h & 0x3fffffff);
    if (!bucket) continue;
    for (let b = 0; b < bucket.length; b++) {
      const sh = bucket[b]!;
      if (sh.codes.length === n && fits(line, sh)) return sh;
    }
  }
  return null;
}

const SKELETON_SEED = 0x811c9dc5 | 0;

function resume(line: string): boolean {
  resumed = null;
  let sh: Shape | null = null;
  let i = 0;
  for (; i < shapes.length; i++) {
    if (fits(line, shapes[i]!)) {
      sh = shapes[i]!;
      break;
    }
  }
  if (!sh) {
    // Until the list has dropped a shape, the index holds only the shapes just tried.
    sh = indexed > shapes.length ? indexedShape(line) : null;
    if (!sh) return false;
    // Into the list, at its end: the move to the front below drops the least recently used one.
    if (shapes.length < MAX_SHAPES) shapes.push(sh);
    else shapes[MAX_SHAPES - 1] = sh;
    i = shapes.length - 1;
  }
  const k = sh.tokens;
  for (let j = 0; j < k; j++) {
    tStart[j] = sh.starts[j]!;
    tEnd[j] = sh.ends[j]!;
    tKind[j] = sh.kinds[j]!;
    tQualified[j] = sh.qualified[j]!;
  }
  count = k;
  pos = sh.skel.length;
  prevMonth = sh.month;
  prevDayOrClock = sh.dayOrClock;
  pipe = sh.pipe;
  resumed = sh;
  // Move to the front: the order splice + unshift gives, without the array-reshaping calls.
  for (let j = i; j > 0; j--) shapes[j] = shapes[j - 1]!;
  shapes[0] = sh;
  return true;
}

function fits(line: string, sh: Shape): boolean {
  const skel = sh.codes;
  const n = skel.length;
  if (sh.sep < 0 ? line.length !== n : line.length <= n || line.charCodeAt(n) !== sh.sep) return false;
  // From the end: shapes of one source share their time and differ in the host, component or ids
  // after it, so a shape that does not fit fails within a few chars.
  for (let i = n - 1; i >= 0; i--) {
    const c = line.charCodeAt(i);
    const d = skel[i]!;
    if (c === d) continue;
    if (c < 48 || c > 57 || d < 48 || d > 57) return false;
  }
  return checksHold(line, sh.checks);
}

/**
 * Whether s[a, b) could change time kind when its digits change: all digits, or digits and one dot, or
 * a month-day `03-17` (`13-45` is none).
 */
function digitValued(s: string, a: number, b: number): boolean {
  const c0 = s.charCodeAt(a);
  if (c0 < 48 || c0 > 57) return false;
  let dots = 0;
  for (let i = a + 1; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || (c === 45 && i === a + 2 && b - a === 5)) dots++;
    else if (c < 48 || c > 57) return false;
  }
  return dots <= 1;
}

/** 1 when s[a, b) is all digits, else 0 (a `checks` flag). */
function allDigits(s: string, a: number, b: number): number {
  for (let i = a; i < b; i++) if (!isDigit(s.charCodeAt(i))) return 0;
  return 1;
}

/** Records the header shape of a line just split the full way, with `cut` its last header token. */
function learn(line: string, cut: number, level: string | null): void {
  const end = tEnd[cut]!;
  const checks: number[] = [];
  for (let k = 0; k <= cut; k++) {
    const a = tStart[k]!;
    if (line.charCodeAt(a) === 91) {
      // A bracket was tokenised by looking for `]` and spaces: only safe when its `]` is in the header.
      const close = line.indexOf("]", a);
      if (close < 0 || close >= end) return;
    }
    digitValuedSpans(line, a, tEnd[k]!, checks);
  }
  const tokens = cut + 1;
  const codes = new Uint16Array(end);
  let hash = SKELETON_SEED;
  for (let i = 0; i < end; i++) {
    const c = line.charCodeAt(i);
    codes[i] = c;
    hash = skeletonHashStep(hash, c);
  }
  const sh: Shape = {
    skel: line.slice(0, end),
    codes,
    sep: end < line.length ? line.charCodeAt(end) : -1,
    tokens,
    starts: tStart.slice(0, tokens),
    ends: tEnd.slice(0, tokens),
    kinds: tKind.slice(0, tokens),
    qualified: tQualified.slice(0, tokens),
    month: tMonth[cut] === 1,
    dayOrClock: tDayOrClock[cut] === 1,
    levelToken: lastLevelToken,
    level,
    checks: Int32Array.from(checks),
    hash: hash & 0x3fffffff,
    pipe,
    plans: [planOf(line, tokens)],
    timeConv: null,
    timeFirst: -1,
    timeLast: -1,
  };
  shapes.unshift(sh);
  if (shapes.length > MAX_SHAPES) shapes.pop();
  indexShape(sh);
}
