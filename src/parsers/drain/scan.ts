/**
 * The miner's per-line scanner: tokenises on whitespace into token boundaries, masks each token and
 * hashes its matching key, all on char codes of the line (no per-token strings). Token text, shapes
 * and keys are built as strings only on demand: for lines that create or change a template, for
 * watched positions, and for parameters.
 */
import { applyContext, CTX_DATE, CTX_NONE, contextCandidate } from "./context.js";
import { LITERAL, maskFlagged, maskInfo, STRONG } from "./mask.js";
import { pushWild, segmentBuffer, segmentMark, segmentRelease, segmentText } from "./segments.js";
import { hashChar, hashSpan, hashWild, KEY_HASH_SEED, WILD_TEXT } from "./wild.js";

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

export class LineScanner {
  line = "";
  /** Token count of the last line. */
  n = 0;
  /** Whether the last line hit the token cap (extra tokens were folded into the last one). */
  truncated = false;
  /** Hash of the line's matching key (all token keys, in order): the memo's lookup key. */
  lineHash = 0;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Segment range of each token's shape (`segments.ts`); `segFrom` -1: a literal, shape = text. */
  readonly segFrom: Int32Array;
  readonly segTo: Int32Array;
  /** Coarse key of a path, `text[start, coarseFrom) + <*> + text[coarseTo, end)`; -1 when none. */
  readonly coarseFrom: Int32Array;
  readonly coarseTo: Int32Array;
  readonly strength: Uint8Array;
  /** Context rule applied to the token (`context.ts`); for a unit, where its trailing punctuation starts. */
  readonly ctx: Uint8Array;
  readonly unitEnd: Int32Array;
  /**
   * Whether the token's shape ends with `<*>` (the context rules look at the neighbours' shapes): filled
   * by `fillEndsWild` only for the lines that go through the context rules.
   */
  readonly endsWild: Uint8Array;
  /** Key hash (`wild.ts`) of each token's matching key. */
  readonly keyHash: Int32Array;
  /** 1 for a bare number (`148`, `-22`): its parameter type is `num` without another look. */
  readonly bareNum: Uint8Array;
  /**
   * The line's char codes, copied once per line: lines arrive as slices of a larger string, which V8
   * reads more slowly than a typed array, and the scan, the memo's verification and the masker read
   * the chars several times over. Valid up to `line.length`; grown as needed.
   */
  codes = new Uint16Array(256);

  constructor(readonly maxTokens: number) {
    this.start = new Int32Array(maxTokens);
    this.end = new Int32Array(maxTokens);
    this.segFrom = new Int32Array(maxTokens);
    this.segTo = new Int32Array(maxTokens);
    this.coarseFrom = new Int32Array(maxTokens);
    this.coarseTo = new Int32Array(maxTokens);
    this.strength = new Uint8Array(maxTokens);
    this.ctx = new Uint8Array(maxTokens);
    this.unitEnd = new Int32Array(maxTokens);
    this.endsWild = new Uint8Array(maxTokens);
    this.keyHash = new Int32Array(maxTokens);
    this.bareNum = new Uint8Array(maxTokens);
  }

  scan(line: string): number {
    this.line = line;
    this.truncated = false;
    segmentRelease(0);
    const len = line.length;
    if (len > this.codes.length) this.codes = new Uint16Array(Math.max(len, this.codes.length * 2));
    // Filled as the loops below read the line (whitespace included), so each char is read from the
    // string once.
    const codes = this.codes;
    const max = this.maxTokens;
    let count = 0;
    let i = 0;
    let ctx = false;
    while (i < len) {
      while (i < len) {
        const c = line.charCodeAt(i);
        codes[i] = c;
        if (!isSpace(c)) break;
        i++;
      }
      if (i >= len) break;
      if (count === max - 1) {
        // Last slot: the rest of the line, so a runaway line costs one token, not thousands.
        for (let q = i + 1; q < len; q++) codes[q] = line.charCodeAt(q);
        let e = len;
        while (e > i && isSpace(codes[e - 1]!)) e--;
        let j = i;
        while (j < e && !isSpace(codes[j]!)) j++;
        this.truncated = j < e;
        let hasDigit = false;
        let hasSlash = false;
        let hasColon = false;
        for (let q = i; q < e; q++) {
          const c = codes[q]!;
          if (c >= 48 && c <= 57) hasDigit = true;
          else if (c === 47) hasSlash = true;
          else if (c === 58) hasColon = true;
        }
        this.maskToken(count++, i, e, hasDigit, hasSlash, hasColon);
        ctx = true;
        break;
      }
      const a = i;
      let h = KEY_HASH_SEED;
      let hasDigit = false;
      let hasSlash = false;
      let hasColon = false;
      let digits = 0;
      // Tokenising, the masker's first pass and the literal key's hash in one loop over the chars.
      while (i < len) {
        const c = line.charCodeAt(i);
        codes[i] = c;
        if (c <= 58) {
          if (c === 32 || (c >= 9 && c <= 13)) break;
          if (c >= 48) {
            if (c === 58) hasColon = true;
            else {
              hasDigit = true;
              digits++;
            }
          } else if (c === 47) hasSlash = true;
        }
        h = hashChar(h, c);
        i++;
      }
      // Counted as digits rather than others: letters, most of the chars, skip the count.
      const others = i - a - digits;
      if (hasDigit && (others === 0 || (others === 1 && isSign(codes[a]!)))) {
        // A bare number (`148`, `-22`): the masker's answer is always `<*>`, strong. The commonest
        // masked token, so it skips the masker.
        this.start[count] = a;
        this.end[count] = i;
        const from = segmentMark();
        pushWild();
        this.segFrom[count] = from;
        this.segTo[count] = from + 2;
        this.coarseFrom[count] = -1;
        this.strength[count] = STRONG;
        this.ctx[count] = CTX_NONE;
        this.keyHash[count] = WILD_HASH;
        this.bareNum[count] = 1;
        count++;
        continue;
      }
      if (!hasDigit && !hasSlash) {
        this.start[count] = a;
        this.end[count] = i;
        this.segFrom[count] = -1;
        this.coarseFrom[count] = -1;
        this.strength[count] = LITERAL;
        this.ctx[count] = CTX_NONE;
        this.keyHash[count] = h;
        this.bareNum[count] = 0;
        if (!ctx && i - a <= 8) ctx = contextCandidate(codes, a, i);
        count++;
      } else this.maskToken(count++, a, i, hasDigit, hasSlash, hasColon);
    }
    this.n = count;
    if (ctx) applyContext(this, count);
    let lh = Math.imul(count + 1, 0x9e3779b1);
    const kh = this.keyHash;
    for (let p = 0; p < count; p++) lh = Math.imul(lh ^ kh[p]!, LINE_MIX) ^ (lh >>> 15);
    this.lineHash = lh;
    return count;
  }

  private maskToken(
    k: number,
    a: number,
    b: number,
    hasDigit: boolean,
    hasSlash: boolean,
    hasColon: boolean,
  ): void {
    const line = this.codes;
    this.start[k] = a;
    this.end[k] = b;
    this.ctx[k] = CTX_NONE;
    this.bareNum[k] = 0;
    const from = segmentMark();
    maskFlagged(line, a, b, hasDigit, hasSlash, hasColon);
    const to = segmentMark();
    this.segFrom[k] = from;
    this.segTo[k] = to;
    this.strength[k] = maskInfo.strength;
    const cf = maskInfo.coarseFrom;
    this.coarseFrom[k] = cf;
    this.coarseTo[k] = maskInfo.coarseTo;
    const seg = segmentBuffer();
    let h = KEY_HASH_SEED;
    if (cf >= 0) {
      h = hashSpan(line, a, cf, h);
      h = hashWild(h);
      h = hashSpan(line, maskInfo.coarseTo, b, h);
    } else {
      for (let q = from; q < to; q += 2) {
        const s = seg[q]!;
        h = s < 0 ? hashWild(h) : hashSpan(line, s, seg[q + 1]!, h);
      }
    }
    this.keyHash[k] = h;
  }

  /** Fills `endsWild` for the first n tokens as masked (before the context rules change any). */
  fillEndsWild(n: number): void {
    const seg = segmentBuffer();
    for (let p = 0; p < n; p++) {
      const from = this.segFrom[p]!;
      const ends =
        this.bareNum[p] === 1 ||
        (from < 0
          ? endsWithWild(this.codes, this.start[p]!, this.end[p]!)
          : shapeEndsWild(this.codes, seg, from, this.segTo[p]!));
      this.endsWild[p] = ends ? 1 : 0;
    }
  }

  /** Token p's text. */
  text(p: number): string {
    return this.line.slice(this.start[p]!, this.end[p]!);
  }

  /** Token p's display shape (after the context rules). */
  shape(p: number): string {
    const ctx = this.ctx[p]!;
    if (ctx !== CTX_NONE)
      return ctx === CTX_DATE ? WILD_TEXT : WILD_TEXT + this.line.slice(this.unitEnd[p]!, this.end[p]!);
    const from = this.segFrom[p]!;
    return from < 0 ? this.text(p) : segmentText(this.line, from, this.segTo[p]!);
  }

  /** Token p's matching key: its shape, or the coarse pattern of a path. */
  key(p: number): string {
    const cf = this.coarseFrom[p]!;
    if (cf < 0 || this.ctx[p] !== CTX_NONE) return this.shape(p);
    const line = this.line;
    return line.slice(this.start[p]!, cf) + WILD_TEXT + line.slice(this.coarseTo[p]!, this.end[p]!);
  }

  textEquals(p: number, s: string): boolean {
    const a = this.start[p]!;
    return s.length === this.end[p]! - a && this.line.startsWith(s, a);
  }

  /**
   * Whether the line's matching keys are `keys` (one per token; the caller checked the count). The
   * memo's verification of every hit, so the common tokens are compared inline: a literal's key is its
   * text (compared with the key's chars in `codes`, from `offs[p]` to `offs[p + 1]`), a bare number's
   * is `<*>`; the rest go through `keyEquals`.
   */
  keysEqual(keys: readonly string[], codes: Uint16Array, offs: Int32Array): boolean {
    const line = this.codes;
    const n = this.n;
    for (let p = 0; p < n; p++) {
      const s = keys[p]!;
      if (this.ctx[p] === CTX_NONE) {
        if (this.segFrom[p]! < 0) {
          const a = this.start[p]!;
          const len = this.end[p]! - a;
          const o = offs[p]!;
          if (offs[p + 1]! - o !== len) return false;
          for (let i = 0; i < len; i++) if (line[a + i] !== codes[o + i]) return false;
          continue;
        }
        if (this.bareNum[p] === 1) {
          if (s !== WILD_TEXT) return false;
          continue;
        }
      }
      if (!this.keyEquals(p, s)) return false;
    }
    return true;
  }

  /** Whether token p's matching key is `s`, compared on the line's chars. */
  keyEquals(p: number, s: string): boolean {
    const cf = this.coarseFrom[p]!;
    if (cf < 0 || this.ctx[p] !== CTX_NONE) return this.shapeEquals(p, s);
    const line = this.codes;
    const a = this.start[p]!;
    const b = this.end[p]!;
    const ct = this.coarseTo[p]!;
    const pre = cf - a;
    return (
      s.length === pre + 3 + (b - ct) &&
      spanEquals(line, a, cf, s, 0) &&
      s.startsWith(WILD_TEXT, pre) &&
      spanEquals(line, ct, b, s, pre + 3)
    );
  }

  /** Whether token p's display shape is `s`. */
  shapeEquals(p: number, s: string): boolean {
    const ctx = this.ctx[p]!;
    const line = this.codes;
    if (ctx !== CTX_NONE) {
      if (ctx === CTX_DATE) return s === WILD_TEXT;
      const u = this.unitEnd[p]!;
      const b = this.end[p]!;
      return s.length === 3 + b - u && s.startsWith(WILD_TEXT) && spanEquals(line, u, b, s, 3);
    }
    const from = this.segFrom[p]!;
    if (from < 0) return this.textEquals(p, s);
    const to = this.segTo[p]!;
    const seg = segmentBuffer();
    let off = 0;
    for (let q = from; q < to; q += 2) {
      const x = seg[q]!;
      if (x < 0) {
        if (!s.startsWith(WILD_TEXT, off)) return false;
        off += 3;
      } else {
        const y = seg[q + 1]!;
        if (off + y - x > s.length || !spanEquals(line, x, y, s, off)) return false;
        off += y - x;
      }
    }
    return off === s.length;
  }
}

const WILD_HASH = hashWild(KEY_HASH_SEED);

/** Multiplier of the per-line mix of token hashes (FNV-1a's prime). */
const LINE_MIX = 0x01000193;

/** `-` or `+`: a sign the masker folds into the number after it. */
function isSign(c: number): boolean {
  return c === 45 || c === 43;
}

/** Whether the shape in segments [from, to) ends with the chars `<*>`, read from the end. */
function shapeEndsWild(line: Uint16Array, seg: Int32Array, from: number, to: number): boolean {
  if (to > from && seg[to - 2]! < 0) return true;
  // The shape's last three chars, possibly across short spans (`<*>)` ends in a one-char span).
  let need = 3;
  for (let q = to - 2; q >= from && need > 0; q -= 2) {
    const a = seg[q]!;
    if (a < 0) {
      // `<*>` has already been checked as the last segment; earlier, it supplies its closing chars.
      for (let i = 2; i >= 0 && need > 0; i--, need--)
        if (WILD_TEXT.charCodeAt(i) !== WILD_TEXT.charCodeAt(need - 1)) return false;
      continue;
    }
    for (let i = seg[q + 1]! - 1; i >= a && need > 0; i--, need--) {
      if (line[i] !== WILD_TEXT.charCodeAt(need - 1)) return false;
    }
  }
  return need === 0;
}

function endsWithWild(s: Uint16Array, a: number, b: number): boolean {
  return b - a >= 3 && s[b - 1] === 62 && s[b - 2] === 42 && s[b - 3] === 60;
}

/** Whether s[a, b) (char codes) equals t[off, off + b - a). */
function spanEquals(s: Uint16Array, a: number, b: number, t: string, off: number): boolean {
  if (off + (b - a) > t.length) return false;
  for (let i = a; i < b; i++) if (s[i] !== t.charCodeAt(off + i - a)) return false;
  return true;
}
