/**
 * Token masking: turns one whitespace-delimited token into its "shape", the token with every variable
 * fragment replaced by `<*>` (`blk_-6952295868487656571` → `blk_<*>`, `/10.251.73.220:50010` → `/<*>:<*>`).
 *
 * The masker works on a span `s[a, b)` of the line's char codes (a typed array: the scanner copies each
 * line once, and reads of it are faster than of the line, a slice of a larger string) and writes the
 * shape as *segments* (spans of the line, or a wildcard) into a reusable buffer instead of building a
 * string: the miner hashes and
 * compares shapes straight from the line, and builds strings only for lines that make or change a
 * template. `maskToken` is the string form of the same code, so both paths agree by construction.
 * Char-code scans only: this runs for every token of every line.
 */

import { isDigit, isLetter } from "../chars.js";
import { pushSpan, pushWild, segmentMark, segmentRelease, segmentText } from "./segments.js";
import { WILD_TEXT } from "./wild.js";

export const WILDCARD = WILD_TEXT;

/**
 * How sure the masker is that a token is a parameter.
 * - `LITERAL`: no variable fragment (no digit, no URL).
 * - `WEAK`: only short digit runs glued to letters (`ssh2`, `eth0`, `4G`): often a constant of the
 *   message (`port 22 ssh2`), so templates keep the literal text until a second value shows up.
 * - `STRONG`: numbers, hex, IPs, UUIDs, URLs, ids: always a parameter.
 */
export const LITERAL = 0;
export const WEAK = 1;
export const STRONG = 2;
export type Strength = typeof LITERAL | typeof WEAK | typeof STRONG;

/**
 * Side results of the last `maskToken` / `maskSpan` call, so the hot path allocates nothing. A plain
 * object rather than exported `let`s: module live bindings can compile to getters, which showed up in
 * profiles.
 */
export const maskInfo: {
  /** Strength of the token last masked. */
  strength: Strength;
  /**
   * Matching key of that token when it differs from its shape: any path matches any other path in the
   * same place (`<*>` plus the surrounding punctuation); null otherwise. Set by `maskToken` only.
   */
  coarseKey: string | null;
  /** `maskSpan`: the coarse key is `s[a, coarseFrom) + <*> + s[coarseTo, b)`; -1 when there is none. */
  coarseFrom: number;
  coarseTo: number;
} = { strength: LITERAL, coarseKey: null, coarseFrom: -1, coarseTo: -1 };

function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c);
}

function isHexLetter(c: number): boolean {
  return (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isHexChar(c: number): boolean {
  return isDigit(c) || isHexLetter(c);
}

/**
 * Length of a dotted-quad IPv4 address at `i` in s[.., b) (not followed by more digits or dots-digits),
 * or 0. Every read is bounded by `b`: the span is part of a longer line.
 */
export function ipv4At(s: Uint16Array, i: number, b: number): number {
  let j = i;
  for (let part = 0; part < 4; part++) {
    const start = j;
    while (j < b && isDigit(s[j]!) && j - start < 4) j++;
    const len = j - start;
    if (len === 0 || len > 3) return 0;
    if (part < 3) {
      if (j >= b || s[j] !== 46) return 0; // "."
      j++;
    }
  }
  if (j < b) {
    const c = s[j]!;
    if (isAlnum(c)) return 0;
    if (c === 46 && j + 1 < b && isDigit(s[j + 1]!)) return 0;
  }
  return j - i;
}

/** Length of a canonical UUID (8-4-4-4-12 hex) at `i` in s[.., b), or 0. */
export function uuidAt(s: Uint16Array, i: number, b: number): number {
  if (b - i < 36) return 0;
  for (let k = 0; k < 36; k++) {
    const c = s[i + k]!;
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return 0;
    } else if (!isHexChar(c)) return 0;
  }
  return i + 36 >= b || !isAlnum(s[i + 36]!) ? 36 : 0;
}

/** Index just past the `[A-Za-z0-9_]` identifier that continues at `j`. */
function identifierEnd(s: Uint16Array, j: number, b: number): number {
  let k = j;
  while (k < b) {
    const c = s[k]!;
    if (isAlnum(c) || c === 95) k++;
    else break;
  }
  return k;
}

/** Index of the first `://` in s[a, b), or -1 when absent or not after a letter (a scheme). */
function urlSchemeEnd(s: Uint16Array, a: number, b: number): number {
  let k = -1;
  for (let i = a; i + 2 < b; i++) {
    if (s[i] === 58 && s[i + 1] === 47 && s[i + 2] === 47) {
      k = i;
      break;
    }
  }
  if (k <= a || !isLetter(s[k - 1]!)) return -1;
  return k;
}

/** End of s[a, b) without closing punctuation kept after a URL or path (`]`, `)`, `,`, …). */
function trailingPunct(s: Uint16Array, a: number, b: number): number {
  let e = b;
  while (e > a) {
    const c = s[e - 1]!;
    if (c === 93 || c === 41 || c === 44 || c === 59 || c === 39 || c === 34 || c === 62) e--;
    else break;
  }
  return e;
}

/**
 * Masks s[a, b): appends the shape's segments (see `segments.ts`) and sets `maskInfo.strength`,
 * `coarseFrom` and `coarseTo`. A literal token yields one span, itself.
 */
export function maskSpan(s: Uint16Array, a: number, b: number): void {
  // One pass decides which of the rules can apply at all; most tokens are plain words and stop here.
  let hasDigit = false;
  let hasSlash = false;
  let hasColon = false;
  for (let i = a; i < b; i++) {
    const c = s[i]!;
    if (c <= 58) {
      if (c >= 48) {
        if (c === 58) hasColon = true;
        else hasDigit = true;
      } else if (c === 47) hasSlash = true;
    }
  }
  maskFlagged(s, a, b, hasDigit, hasSlash, hasColon);
}

/** `maskSpan` once the caller has scanned the token for digits, `/` and `:` (the tokenizer does). */
export function maskFlagged(
  s: Uint16Array,
  a: number,
  b: number,
  hasDigit: boolean,
  hasSlash: boolean,
  hasColon: boolean,
): void {
  maskInfo.coarseFrom = -1;
  maskInfo.coarseTo = -1;
  if (!hasDigit && !hasSlash) {
    maskInfo.strength = LITERAL;
    pushSpan(a, b);
    return;
  }
  if (hasSlash && hasColon) {
    const scheme = urlSchemeEnd(s, a, b);
    if (scheme > 0) {
      // URLs: keep the scheme, the rest is one parameter (host, port and path vary together).
      maskInfo.strength = STRONG;
      pushSpan(a, scheme + 3);
      pushWild();
      pushSpan(trailingPunct(s, a, b), b);
      return;
    }
  }
  const path = hasSlash ? pathStart(s, a, b) : -1;
  if (path >= 0) {
    maskPath(s, a, b, path, hasDigit);
    return;
  }
  if (!hasDigit) {
    maskInfo.strength = LITERAL;
    pushSpan(a, b);
    return;
  }
  const mac = hasColon ? hexGroupsAt(s, a, b) : 0;
  if (mac > 0) {
    maskInfo.strength = STRONG;
    pushWild();
    pushSpan(mac, b);
    return;
  }
  maskFragments(s, a, b);
}

/**
 * The token's shape as a string, with `<*>` for each variable fragment. Sets `maskInfo` (including
 * `coarseKey`). Returns the token itself (same string) when nothing is variable, so callers can compare
 * by identity.
 */
export function maskToken(tok: string): string {
  const mark = segmentMark();
  maskSpan(codesOf(tok), 0, tok.length);
  const from = maskInfo.coarseFrom;
  maskInfo.coarseKey = from < 0 ? null : tok.slice(0, from) + WILDCARD + tok.slice(maskInfo.coarseTo);
  const shape = segmentText(tok, mark);
  segmentRelease(mark);
  return shape === tok ? tok : shape;
}

/**
 * Where a file path starts in s[a, b) (`/a/b`, `./a/b`, `~/a`, or after `key=`, `(`, `[`, quotes), or
 * -1. A path needs a second `/`; `/10.0.0.1:80` is an address, not a path.
 */
function pathStart(s: Uint16Array, a: number, b: number): number {
  let i = a;
  while (i < b && i < a + 2) {
    const c = s[i]!;
    if (c === 40 || c === 91 || c === 39 || c === 34 || c === 123) i++;
    else break;
  }
  let j = i;
  while (j < b) {
    const c = s[j]!;
    if (isAlnum(c) || c === 95 || c === 45 || c === 46) j++;
    else break;
  }
  if (j > i && j < b && s[j] === 61) i = j + 1; // "key=/path"
  let k = i;
  if (k < b) {
    const c0 = s[k]!;
    if (c0 === 46 || c0 === 126) k++; // "./" or "~/"
  }
  if (k >= b || s[k] !== 47) return -1;
  let second = -1;
  for (let q = k + 1; q < b; q++) {
    if (s[q] === 47) {
      second = q;
      break;
    }
  }
  if (second < 0) return -1;
  if (ipv4At(s, k + 1, b)) return -1;
  return i;
}

/** Paths: match any path; show the literal path while constant, `/<*>/name` when the directories vary. */
function maskPath(s: Uint16Array, a: number, b: number, start: number, hasDigit: boolean): void {
  const end = trailingPunct(s, a, b);
  maskInfo.coarseFrom = start;
  maskInfo.coarseTo = end;
  let slash = end - 1;
  while (slash >= start && s[slash] !== 47) slash--;
  let dirDigit = false;
  for (let i = start; i < slash; i++) {
    if (isDigit(s[i]!)) {
      dirDigit = true;
      break;
    }
  }
  if (dirDigit) {
    // Numbered directories are ids (`/tmp/task_0001/part-7`): one parameter, the file name keeps its shape.
    pushSpan(a, start);
    let lead = start;
    while (s[lead] !== 47) lead++;
    pushSpan(start, lead + 1);
    pushWild();
    pushSpan(slash, slash + 1);
    if (slash + 1 < end) maskFragments(s, slash + 1, end);
    pushSpan(end, b);
    maskInfo.strength = STRONG;
    return;
  }
  if (hasDigit) maskFragments(s, a, b);
  else pushSpan(a, b);
  maskInfo.strength = WEAK;
}

/** Length of colon-separated hex groups with a hex letter (MAC, IPv6: `FF:F2:9F:16:E5`), or 0. */
function hexGroupsAt(s: Uint16Array, a: number, b: number): number {
  let i = a;
  let groups = 0;
  let letters = false;
  while (i < b) {
    const start = i;
    while (i < b && isHexChar(s[i]!) && i - start < 5) {
      if (isHexLetter(s[i]!)) letters = true;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 4) return 0;
    groups++;
    if (i < b && s[i] === 58 && i + 1 < b && isHexChar(s[i + 1]!)) {
      i++;
      continue;
    }
    break;
  }
  if (groups < 4 || !letters) return 0;
  if (i < b && isAlnum(s[i]!)) return 0;
  return i;
}

/** The general case: mask each alphanumeric run that holds a digit, keep the punctuation between runs. */
function maskFragments(s: Uint16Array, a: number, b: number): void {
  let strength: Strength = LITERAL;
  let i = a;
  while (i < b) {
    const c = s[i]!;
    if (!isAlnum(c)) {
      // A sign directly before a number that does not follow a word is part of the number (`blk_-42`).
      if ((c === 45 || c === 43) && i + 1 < b && isDigit(s[i + 1]!)) {
        const prev = i > a ? s[i - 1]! : 32;
        if (!isAlnum(prev)) {
          i++;
          continue;
        }
      }
      pushSpan(i, i + 1);
      i++;
      continue;
    }
    if (isDigit(c)) {
      const uuid = uuidAt(s, i, b);
      if (uuid) {
        pushWild();
        strength = STRONG;
        i += uuid;
        continue;
      }
      const ip = ipv4At(s, i, b);
      if (ip) {
        pushWild();
        strength = STRONG;
        i += ip;
        continue;
      }
    }
    let j = i;
    let digits = 0;
    let letters = 0;
    let nonHex = 0;
    let firstDigit = -1;
    let lastDigit = -1;
    while (j < b) {
      const d = s[j]!;
      if (isDigit(d)) {
        digits++;
        if (firstDigit < 0) firstDigit = j;
        lastDigit = j;
      } else if (isLetter(d)) {
        letters++;
        if (!isHexLetter(d)) nonHex++;
      } else break;
      j++;
    }
    if (digits === 0) {
      pushSpan(i, j);
      i = j;
      continue;
    }
    const runLen = j - i;
    let runStrength: Strength;
    if (letters === 0) {
      pushWild();
      runStrength = STRONG;
    } else if (
      runLen > 2 &&
      (s[i] === 48 && (s[i + 1]! | 32) === 120 ? runLen > 2 : nonHex === 0 && runLen >= 4)
    ) {
      // 0x-prefixed or bare hex (`0245a2d8`): needs a digit, so `cafe` stays a word.
      pushWild();
      runStrength = STRONG;
    } else if (firstDigit > i && lastDigit === j - 1 && lastDigit - firstDigit + 1 === digits) {
      // Letters then digits: `eth0`, `bglio11`.
      pushSpan(i, firstDigit);
      pushWild();
      runStrength = WEAK;
    } else if (firstDigit === i && lastDigit - firstDigit + 1 === digits) {
      // Digits then a unit: `100ms`, `4G`.
      pushWild();
      pushSpan(lastDigit + 1, j);
      runStrength = WEAK;
    } else {
      pushWild();
      runStrength = letters > digits ? WEAK : STRONG;
    }
    if (runStrength > strength) strength = runStrength;
    i = j;
    // An id made of underscore-joined parts (`attempt_1445_0020_m_000005_0`) is one parameter from its
    // first numeric part on.
    if (runStrength === STRONG && i < b && s[i] === 95 && i + 1 < b && isAlnum(s[i + 1]!)) {
      i = identifierEnd(s, i, b);
    }
  }
  maskInfo.strength = strength;
}

/** Scratch char codes for the string entry points (`maskToken`, `paramType`); the miner passes its line's. */
let scratch = new Uint16Array(256);

/** `s`'s char codes in `scratch`, valid up to `s.length` until the next call. */
function codesOf(s: string): Uint16Array {
  const n = s.length;
  if (n > scratch.length) scratch = new Uint16Array(Math.max(n, scratch.length * 2));
  const out = scratch;
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The parameter type of a value cut out of a token, for `TemplateParam.type`. */
export function paramType(value: string): string | null {
  return paramTypeAt(codesOf(value), 0, value.length);
}

/**
 * `paramType` of the value s[a, b), read in place: the miner types its parameters on the line's char
 * codes, so a value is sliced out of the line once (to be returned) and never read again as a string.
 */
export function paramTypeAt(s: Uint16Array, a: number, b: number): string | null {
  const n = b - a;
  if (n === 0) return null;
  const c0 = s[a]!;
  // Most values are plain numbers (ids, sizes, ports): all digits is `num` without the census.
  let i = a;
  while (i < b && isDigit(s[i]!)) i++;
  if (i === b) return "num";
  let digits = i - a;
  let hexLetters = 0;
  let others = 0;
  let dots = 0;
  let colons = 0;
  let dashes = 0;
  let slashes = 0;
  for (; i < b; i++) {
    const c = s[i]!;
    if (c >= 48 && c <= 57) digits++;
    else if (isHexLetter(c)) hexLetters++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c === 45 || c === 43) dashes++;
    else {
      others++;
      if (c === 47) slashes++;
    }
  }
  // The rare shapes first, but only when the counts allow them (most values are plain numbers).
  if (colons > 0 && slashes > 0 && schemeAfterStart(s, a, b)) return "url";
  if (c0 === 47 && n > 1) return ipv4At(s, a + 1, b) ? "ip" : "path";
  if (dots === 3 && ipv4At(s, a, b) === n) return "ip";
  if (n === 36 && dashes === 4 && uuidAt(s, a, b) === 36) return "uuid";
  if (digits === 0) return null;
  if (others === 0 && hexLetters === 0) {
    if (colons >= 1 && dots <= 1 && digits >= 4) return "time";
    if (dashes >= 2 && digits >= 6) return "time";
    if (colons === 0 && dots <= 1 && dashes <= 1) return "num";
  }
  const c1 = n > 1 ? s[a + 1]! : -1;
  if (others === 0 && colons === 0 && dots === 0) {
    if (c0 === 48 && n > 2 && (c1 | 32) === 120) return "hex";
    if (hexLetters > 0 && dashes === 0) return "hex";
  }
  if (c0 === 48 && n > 1 && (c1 === 120 || c1 === 88)) return "hex";
  return null;
}

/** Whether s[a, b) holds `://` somewhere after its first char (`value.indexOf("://") > 0`). */
function schemeAfterStart(s: Uint16Array, a: number, b: number): boolean {
  for (let i = a; i + 2 < b; i++) {
    if (s[i] === 58 && s[i + 1] === 47 && s[i + 2] === 47) return i > a;
  }
  return false;
}
