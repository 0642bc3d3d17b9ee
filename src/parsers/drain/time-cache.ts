import { isDigit } from "../chars.js";
import { conv, FIELD_COUNT, formatIso, fracMs, num, timeOfSpans, validHhmmss } from "./header-time.js";

/**
 * What the time cache writes on a header shape (see `splitHeader`): the generation of the cached text
 * that a line of the shape passed the full comparison with, and the time tokens that line had.
 */
export interface TimeShape {
  timeGen: number;
  timeFirst: number;
  timeLast: number;
}

/**
 * The last header time converted, and where its variable fields sit (`conv`): a line whose time text
 * differs only in those digits (the common case, logs being time-ordered) gets its time by arithmetic
 * instead of a full reading. Keyed on the text, never on the line: it helps any stream whose lines
 * share a day, or an epoch-stamped header.
 */
class TimeCache {
  /** The time text the result depends on, as char codes (a typed array reads faster than a slice). */
  private text = new Uint16Array(0);
  /** 1 where `text` may hold other digits: the variable fields and the fraction. */
  private variable = new Uint8Array(0);
  /** Part spans relative to the first part's start, [start, end]* (only those the time depends on). */
  private parts = new Int32Array(0);
  /** Whether the parts listed are all the parts (false: an epoch part decided, later ones are ignored). */
  private allParts = true;
  private base = 0;
  private readonly fieldFrom = new Int32Array(FIELD_COUNT);
  private readonly fieldTo = new Int32Array(FIELD_COUNT);
  private readonly fieldWeight = new Int32Array(FIELD_COUNT);
  private fracFrom = -1;
  private fracTo = -1;
  private hhmmssAt = -1;
  private valid = false;
  /** Offsets in `text` of its digits outside the variable fields: the ones a line must repeat. */
  private fixedDigits = new Int32Array(0);
  /**
   * Counts the texts cached (`remember`). A header shape stamped with the current generation had a
   * line pass the full comparison with `text`, with the time tokens it had (`TimeShape`, all within
   * the shape): a line of that shape has its token boundaries and, outside digits, its chars, so of the
   * comparison only `fixedDigits` is left. Kept on each shape, so sources whose lines alternate between
   * shapes (components, hosts) all take the short comparison.
   */
  private gen = 0;

  /**
   * The ISO time of the time tokens `first` to `last`. `shape` is the header shape the line resumed
   * from (null: none), which gave it its first `shapeTokens` tokens.
   */
  iso(
    s: string,
    starts: Int32Array,
    ends: Int32Array,
    kinds: Uint8Array,
    timeKind: number,
    first: number,
    last: number,
    shape: TimeShape | null = null,
    shapeTokens = 0,
  ): string | null {
    const a = starts[first]!;
    let t = Number.NaN;
    if (this.valid) {
      if (
        shape !== null &&
        shape.timeGen === this.gen &&
        first === shape.timeFirst &&
        last === shape.timeLast
      )
        t = this.reuseFixed(s, a);
      else {
        t = this.reuse(s, a, ends[last]!, starts, ends, kinds, timeKind, first, last);
        if (!Number.isNaN(t) && shape !== null && last < shapeTokens) {
          shape.timeGen = this.gen;
          shape.timeFirst = first;
          shape.timeLast = last;
        }
      }
    }
    if (!Number.isNaN(t)) return formatIso(t);
    // Parts are the time tokens between the first and the last one.
    let count = 0;
    for (let k = first; k <= last; k++) if (kinds[k] === timeKind) count++;
    const ps = new Int32Array(count);
    const pe = new Int32Array(count);
    count = 0;
    for (let k = first; k <= last; k++) {
      if (kinds[k] !== timeKind) continue;
      ps[count] = starts[k]!;
      pe[count] = ends[k]!;
      count++;
    }
    const full = timeOfSpans(s, ps, pe, 0, count);
    this.valid = false;
    if (Number.isNaN(full)) return null;
    if (conv.cacheable) this.remember(s, a, ps, pe, count);
    return formatIso(full);
  }

  /** Forgets the conversion kept (stamps of it go stale): a cold cache, for tests that compare with one. */
  clear(): void {
    this.valid = false;
    this.gen++;
  }

  /** Keeps the conversion just made (`conv`) for the lines that follow, when it has a variable field. */
  private remember(s: string, a: number, ps: Int32Array, pe: Int32Array, count: number): void {
    let variableFields = conv.fracFrom >= 0;
    for (let f = 0; f < FIELD_COUNT; f++) if (conv.fieldFrom[f]! >= 0) variableFields = true;
    if (!variableFields) return;
    const b = conv.upTo >= 0 ? conv.upTo : pe[count - 1]!;
    let used = count;
    if (conv.upTo >= 0) {
      used = 0;
      while (used < count && ps[used]! < b) used++;
    }
    const n = b - a;
    const text = new Uint16Array(n);
    for (let i = 0; i < n; i++) text[i] = s.charCodeAt(a + i);
    const variable = new Uint8Array(n);
    for (let f = 0; f < FIELD_COUNT; f++) {
      const from = conv.fieldFrom[f]!;
      this.fieldFrom[f] = from < 0 ? -1 : from - a;
      this.fieldTo[f] = conv.fieldTo[f]! - a;
      this.fieldWeight[f] = conv.fieldWeight[f]!;
      if (from >= 0) variable.fill(1, from - a, conv.fieldTo[f]! - a);
    }
    this.fracFrom = conv.fracFrom < 0 ? -1 : conv.fracFrom - a;
    this.fracTo = conv.fracTo - a;
    if (conv.fracFrom >= 0) variable.fill(1, this.fracFrom, this.fracTo);
    this.hhmmssAt = conv.hhmmssAt < 0 ? -1 : conv.hhmmssAt - a;
    const rel = new Int32Array(used * 2);
    for (let k = 0; k < used; k++) {
      rel[2 * k] = ps[k]! - a;
      rel[2 * k + 1] = pe[k]! - a;
    }
    let fixed = 0;
    for (let i = 0; i < n; i++) if (variable[i] === 0 && isDigit(text[i]!)) fixed++;
    const fixedDigits = new Int32Array(fixed);
    fixed = 0;
    for (let i = 0; i < n; i++) if (variable[i] === 0 && isDigit(text[i]!)) fixedDigits[fixed++] = i;
    this.fixedDigits = fixedDigits;
    this.gen++;
    this.text = text;
    this.variable = variable;
    this.parts = rel;
    this.allParts = conv.upTo < 0;
    this.base = conv.base;
    this.valid = true;
  }

  /** The time of the parts from s[a, b) by arithmetic, or NaN when they differ from the cached text elsewhere. */
  private reuse(
    s: string,
    a: number,
    b: number,
    starts: Int32Array,
    ends: Int32Array,
    kinds: Uint8Array,
    timeKind: number,
    first: number,
    last: number,
  ): number {
    const text = this.text;
    const n = text.length;
    if (this.allParts ? b - a !== n : b - a < n) return Number.NaN;
    const parts = this.parts;
    let q = 0;
    for (let k = first; k <= last && q < parts.length; k++) {
      if (kinds[k] !== timeKind) continue;
      if (starts[k]! - a !== parts[q] || ends[k]! - a !== parts[q + 1]) return Number.NaN;
      q += 2;
    }
    if (q !== parts.length) return Number.NaN;
    if (this.allParts) {
      // Every time token must be one of the cached parts: one more would be read too.
      let total = 0;
      for (let k = first; k <= last; k++) if (kinds[k] === timeKind) total += 2;
      if (total !== parts.length) return Number.NaN;
    }
    const variable = this.variable;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(a + i);
      if (c === text[i]) continue;
      if (variable[i] === 0 || c < 48 || c > 57) return Number.NaN;
    }
    return this.fields(s, a);
  }

  /**
   * `reuse` for a line of a shape stamped with the current generation, starting at `a` as that shape's
   * line did: token spans, and chars other than digits, are the shape's, and the rest of the comparison
   * is whether the digits outside the variable fields are the cached ones (see `gen`).
   */
  private reuseFixed(s: string, a: number): number {
    const text = this.text;
    const fixed = this.fixedDigits;
    for (let k = 0; k < fixed.length; k++) {
      const i = fixed[k]!;
      if (s.charCodeAt(a + i) !== text[i]) return Number.NaN;
    }
    return this.fields(s, a);
  }

  /** The time from the cached base and the variable fields of s, at `a`; NaN for an invalid hhmmss. */
  private fields(s: string, a: number): number {
    if (this.hhmmssAt >= 0 && !validHhmmss(s, a + this.hhmmssAt)) return Number.NaN;
    let t = this.base;
    for (let f = 0; f < FIELD_COUNT; f++) {
      const from = this.fieldFrom[f]!;
      if (from >= 0) t += num(s, a + from, a + this.fieldTo[f]!) * this.fieldWeight[f]!;
    }
    if (this.fracFrom >= 0) t += fracMs(s, a + this.fracFrom, a + this.fracTo);
    return t;
  }
}

export const timeCache = new TimeCache();
