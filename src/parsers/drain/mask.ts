/**
 * Token masking: turns one whitespace-delimited token into its "shape", the token with every variable
 * fragment replaced by `<*>` (`blk_-6952295868487656571` → `blk_<*>`, `/10.251.73.220:50010` → `/<*>:<*>`).
 *
 * Everything here is a char-code scan: the miner calls it for every token of every line, so a regex per
 * token would dominate the run time.
 */

export const WILDCARD = "<*>";

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
 * Side results of the last `maskToken` call, so the hot path allocates nothing. A plain object rather
 * than exported `let`s: module live bindings can compile to getters, which showed up in profiles.
 */
export const maskInfo: {
  /** Strength of the token last masked. */
  strength: Strength;
  /**
   * Matching key of that token when it differs from its shape: any path matches any other path in the
   * same place (`<*>` plus the surrounding punctuation); null otherwise.
   */
  coarseKey: string | null;
} = { strength: LITERAL, coarseKey: null };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAlnum(c: number): boolean {
  return isDigit(c) || isLetter(c);
}

function isHexLetter(c: number): boolean {
  return (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function isHexChar(c: number): boolean {
  return isDigit(c) || isHexLetter(c);
}

/** Length of a dotted-quad IPv4 address at `i` (not followed by more digits or dots-digits), or 0. */
function ipv4At(s: string, i: number): number {
  let j = i;
  for (let part = 0; part < 4; part++) {
    const start = j;
    while (j < s.length && isDigit(s.charCodeAt(j)) && j - start < 4) j++;
    const len = j - start;
    if (len === 0 || len > 3) return 0;
    if (part < 3) {
      if (s.charCodeAt(j) !== 46) return 0; // "."
      j++;
    }
  }
  if (j < s.length) {
    const c = s.charCodeAt(j);
    if (isAlnum(c)) return 0;
    if (c === 46 && j + 1 < s.length && isDigit(s.charCodeAt(j + 1))) return 0;
  }
  return j - i;
}

/** Length of a canonical UUID (8-4-4-4-12 hex) at `i`, or 0. */
function uuidAt(s: string, i: number): number {
  if (s.length - i < 36) return 0;
  for (let k = 0; k < 36; k++) {
    const c = s.charCodeAt(i + k);
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (c !== 45) return 0;
    } else if (!isHexChar(c)) return 0;
  }
  const after = s.charCodeAt(i + 36);
  return Number.isNaN(after) || !isAlnum(after) ? 36 : 0;
}

/** Index just past the `[A-Za-z0-9_]` identifier that continues at `j`. */
function identifierEnd(s: string, j: number): number {
  let k = j;
  while (k < s.length) {
    const c = s.charCodeAt(k);
    if (isAlnum(c) || c === 95) k++;
    else break;
  }
  return k;
}

/** Index of `://` in the token, or -1. Only a letter-led scheme counts. */
function urlSchemeEnd(tok: string): number {
  const k = tok.indexOf("://");
  if (k <= 0 || !isLetter(tok.charCodeAt(k - 1))) return -1;
  return k;
}

/** Closing punctuation kept after a URL or path (`]`, `)`, `,`, …). */
function trailingPunct(tok: string): number {
  let e = tok.length;
  while (e > 0) {
    const c = tok.charCodeAt(e - 1);
    if (c === 93 || c === 41 || c === 44 || c === 59 || c === 39 || c === 34 || c === 62) e--;
    else break;
  }
  return e;
}

/**
 * The token's shape, with `<*>` for each variable fragment. Sets `maskInfo`.
 * Returns the token itself (same string) when nothing is variable, so callers can compare by identity.
 */
export function maskToken(tok: string): string {
  maskInfo.coarseKey = null;
  const n = tok.length;
  // One pass decides which of the rules can apply at all; most tokens are plain words and stop here.
  let hasDigit = false;
  let hasSlash = false;
  let hasColon = false;
  for (let i = 0; i < n; i++) {
    const c = tok.charCodeAt(i);
    if (c <= 58) {
      if (c >= 48 && c <= 57) hasDigit = true;
      else if (c === 47) hasSlash = true;
      else if (c === 58) hasColon = true;
    }
  }
  if (!hasDigit && !hasSlash) {
    maskInfo.strength = LITERAL;
    return tok;
  }
  if (hasSlash && hasColon) {
    const scheme = urlSchemeEnd(tok);
    if (scheme > 0) {
      // URLs: keep the scheme, the rest is one parameter (host, port and path vary together).
      maskInfo.strength = STRONG;
      const e = trailingPunct(tok);
      return `${tok.slice(0, scheme + 3)}${WILDCARD}${tok.slice(e)}`;
    }
  }
  const path = hasSlash ? pathStart(tok) : -1;
  if (path >= 0) return maskPath(tok, path, hasDigit);
  if (!hasDigit) {
    maskInfo.strength = LITERAL;
    return tok;
  }
  const mac = hasColon ? hexGroupsAt(tok) : 0;
  if (mac > 0) {
    maskInfo.strength = STRONG;
    return WILDCARD + tok.slice(mac);
  }
  return maskFragments(tok);
}

/**
 * Where a file path starts in the token (`/a/b`, `./a/b`, `~/a`, or after `key=`, `(`, `[`, quotes), or -1.
 * A path needs a second `/`; `/10.0.0.1:80` is an address, not a path.
 */
function pathStart(tok: string): number {
  const n = tok.length;
  let i = 0;
  while (i < n && i < 2) {
    const c = tok.charCodeAt(i);
    if (c === 40 || c === 91 || c === 39 || c === 34 || c === 123) i++;
    else break;
  }
  let j = i;
  while (j < n) {
    const c = tok.charCodeAt(j);
    if (isAlnum(c) || c === 95 || c === 45 || c === 46) j++;
    else break;
  }
  if (j > i && tok.charCodeAt(j) === 61) i = j + 1; // "key=/path"
  let k = i;
  const c0 = tok.charCodeAt(k);
  if (c0 === 46 || c0 === 126) k++; // "./" or "~/"
  if (tok.charCodeAt(k) !== 47) return -1;
  if (tok.indexOf("/", k + 1) < 0) return -1;
  if (ipv4At(tok, k + 1)) return -1;
  return i;
}

/** Paths: match any path; show the literal path while constant, `/<*>/name` when the directories vary. */
function maskPath(tok: string, start: number, hasDigit: boolean): string {
  const end = trailingPunct(tok);
  const prefix = tok.slice(0, start);
  const suffix = tok.slice(end);
  maskInfo.coarseKey = prefix + WILDCARD + suffix;
  const body = tok.slice(start, end);
  const slash = body.lastIndexOf("/");
  let dirDigit = false;
  for (let i = 0; i < slash; i++) {
    if (isDigit(body.charCodeAt(i))) {
      dirDigit = true;
      break;
    }
  }
  if (dirDigit) {
    // Numbered directories are ids (`/tmp/task_0001/part-7`): one parameter, the file name keeps its shape.
    const base = body.slice(slash + 1);
    const lead = body.charCodeAt(0) === 47 ? "/" : body.slice(0, body.indexOf("/") + 1);
    const shaped = base === "" ? "" : maskFragments(base);
    maskInfo.strength = STRONG;
    return `${prefix}${lead}${WILDCARD}/${shaped}${suffix}`;
  }
  if (hasDigit) {
    const shaped = maskFragments(tok);
    maskInfo.strength = WEAK;
    return shaped;
  }
  maskInfo.strength = WEAK;
  return tok;
}

/** Length of colon-separated hex groups with a hex letter (MAC, IPv6: `FF:F2:9F:16:E5`), or 0. */
function hexGroupsAt(tok: string): number {
  let i = 0;
  let groups = 0;
  let letters = false;
  const n = tok.length;
  while (i < n) {
    const start = i;
    while (i < n && isHexChar(tok.charCodeAt(i)) && i - start < 5) {
      if (isHexLetter(tok.charCodeAt(i))) letters = true;
      i++;
    }
    const len = i - start;
    if (len === 0 || len > 4) return 0;
    groups++;
    if (i < n && tok.charCodeAt(i) === 58 && i + 1 < n && isHexChar(tok.charCodeAt(i + 1))) {
      i++;
      continue;
    }
    break;
  }
  if (groups < 4 || !letters) return 0;
  if (i < n && isAlnum(tok.charCodeAt(i))) return 0;
  return i;
}

/** The general case: mask each alphanumeric run that holds a digit, keep the punctuation between runs. */
function maskFragments(tok: string): string {
  const n = tok.length;
  let out = "";
  let strength: Strength = LITERAL;
  let i = 0;
  while (i < n) {
    const c = tok.charCodeAt(i);
    if (!isAlnum(c)) {
      // A sign directly before a number that does not follow a word is part of the number (`blk_-42`).
      if ((c === 45 || c === 43) && i + 1 < n && isDigit(tok.charCodeAt(i + 1))) {
        const prev = i > 0 ? tok.charCodeAt(i - 1) : 32;
        if (!isAlnum(prev)) {
          i++;
          continue;
        }
      }
      out += tok[i];
      i++;
      continue;
    }
    if (isDigit(c)) {
      const uuid = uuidAt(tok, i);
      if (uuid) {
        out += WILDCARD;
        strength = STRONG;
        i += uuid;
        continue;
      }
      const ip = ipv4At(tok, i);
      if (ip) {
        out += WILDCARD;
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
    while (j < n) {
      const d = tok.charCodeAt(j);
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
      out += tok.slice(i, j);
      i = j;
      continue;
    }
    const runLen = j - i;
    let runStrength: Strength;
    if (letters === 0) {
      out += WILDCARD;
      runStrength = STRONG;
    } else if (
      runLen > 2 &&
      (tok.charCodeAt(i) === 48 && (tok.charCodeAt(i + 1) | 32) === 120
        ? runLen > 2
        : nonHex === 0 && runLen >= 4)
    ) {
      // 0x-prefixed or bare hex (`0245a2d8`): needs a digit, so `cafe` stays a word.
      out += WILDCARD;
      runStrength = STRONG;
    } else if (firstDigit > i && lastDigit === j - 1 && lastDigit - firstDigit + 1 === digits) {
      // Letters then digits: `eth0`, `bglio11`.
      out += tok.slice(i, firstDigit) + WILDCARD;
      runStrength = WEAK;
    } else if (firstDigit === i && lastDigit - firstDigit + 1 === digits) {
      // Digits then a unit: `100ms`, `4G`.
      out += WILDCARD + tok.slice(lastDigit + 1, j);
      runStrength = WEAK;
    } else {
      out += WILDCARD;
      runStrength = letters > digits ? WEAK : STRONG;
    }
    if (runStrength > strength) strength = runStrength;
    i = j;
    // An id made of underscore-joined parts (`attempt_1445_0020_m_000005_0`) is one parameter from its
    // first numeric part on.
    if (
      runStrength === STRONG &&
      i < n &&
      tok.charCodeAt(i) === 95 &&
      i + 1 < n &&
      isAlnum(tok.charCodeAt(i + 1))
    ) {
      i = identifierEnd(tok, i);
    }
  }
  maskInfo.strength = strength;
  return out;
}

/** The parameter type of a value cut out of a token, for `TemplateParam.type`. */
export function paramType(value: string): string | null {
  const n = value.length;
  if (n === 0) return null;
  if (value.indexOf("://") > 0) return "url";
  const c0 = value.charCodeAt(0);
  if (c0 === 47 && n > 1) return ipv4At(value, 1) ? "ip" : "path";
  if (ipv4At(value, 0) === n) return "ip";
  if (uuidAt(value, 0) === 36 && n === 36) return "uuid";
  let digits = 0;
  let hexLetters = 0;
  let others = 0;
  let dots = 0;
  let colons = 0;
  let dashes = 0;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (isDigit(c)) digits++;
    else if (isHexLetter(c)) hexLetters++;
    else if (c === 46) dots++;
    else if (c === 58) colons++;
    else if (c === 45 || c === 43) dashes++;
    else others++;
  }
  if (digits === 0) return null;
  if (others === 0 && hexLetters === 0) {
    if (colons >= 1 && dots <= 1 && digits >= 4) return "time";
    if (dashes >= 2 && digits >= 6) return "time";
    if (colons === 0 && dots <= 1 && dashes <= 1) return "num";
  }
  if (others === 0 && colons === 0 && dots === 0) {
    if (c0 === 48 && n > 2 && (value.charCodeAt(1) | 32) === 120) return "hex";
    if (hexLetters > 0 && dashes === 0) return "hex";
  }
  if (value.startsWith("0x") || value.startsWith("0X")) return "hex";
  return null;
}
