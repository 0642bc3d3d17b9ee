import { isDigit } from "../chars.js";
import { conv, FIELD_COUNT, formatIso, fracMs, num, timeOfSpans, validHhmmss } from "./header-time.js";

/**
 * What the time cache writes on a header shape (see `splitHeader`): the conversion whose cached text a
 * line of the shape passed the full comparison with, and the time tokens that line had.
 */
export interface TimeShape {
  timeConv: Conversion | null;
  timeFirst: number;
  timeLast: number;
}

/** Times `clear` was called: a conversion made before the last call is not used again. */
let clears = 0;

/**
 * A header time converted, and where its variable fields sit (`conv`): a line whose time text differs
 * only in those digits (the common case, logs being time-ordered) gets its time by arithmetic instead of
 * a full reading. Never changed once made: shapes keep the one they were stamped with (`TimeShape`).
 */
export class Conversion {
  /** The time text the result depends on, as char codes (a typed array reads faster than a slice). */
  readonly text: Uint16Array;
  /** 1 where `text` may hold other digits: the variable fields and the fraction. */
  readonly variable: Uint8Array;
  /** Part spans relative to the first part's start, [start, end]* (only those the time depends on). */
  readonly parts: Int32Array;
  /** Whether the parts listed are all the parts (false: an epoch part decided, later ones are ignored). */
  readonly allParts: boolean;
  readonly base: number;
  /** The variable fields only, [from, to, weight]* relative to the text's start. */
  readonly fields: Int32Array;
  readonly fracFrom: number;
  readonly fracTo: number;
  readonly hhmmssAt: number;
  /** Offsets in `text` of its digits outside the variable fields: the ones a line must repeat. */
  readonly fixedDigits: Int32Array;
  /** `conv.yearless` of the conversion: the text named no year (the same for every line it serves). */
  readonly yearless: boolean;
  readonly clears = clears;

  /** The conversion just made (`conv`) of the parts ps/pe (`count`) of s, the first at `a`; null: none to keep. */
  static of(s: string, a: number, ps: Int32Array, pe: Int32Array, count: number): Conversion | null {
    let variableFields = conv.fracFrom >= 0;
    for (let f = 0; f < FIELD_COUNT; f++) if (conv.fieldFrom[f]! >= 0) variableFields = true;
    return variableFields ? new Conversion(s, a, ps, pe, count) : null;
  }

  private constructor(s: string, a: number, ps: Int32Array, pe: Int32Array, count: number) {
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
    const fields: number[] = [];
    for (let f = 0; f < FIELD_COUNT; f++) {
      const from = conv.fieldFrom[f]!;
      if (from < 0) continue;
      fields.push(from - a, conv.fieldTo[f]! - a, conv.fieldWeight[f]!);
      variable.fill(1, from - a, conv.fieldTo[f]! - a);
    }
    this.fields = Int32Array.from(fields);
    this.fracFrom = conv.fracFrom < 0 ? -1 : conv.fracFrom - a;
    this.fracTo = conv.fracTo - a;
    if (conv.fracFrom >= 0) variable.fill(1, this.fracFrom, this.fracTo);
    this.hhmmssAt = conv.hhmmssAt < 0 ? -1 : conv.hhmmssAt - a;
    const rel = new Int32Array(used * 2);
    for (let k = 0; k < used; k++) {
      rel[2 * k] = ps[k]! - a;
      rel[2 * k + 1] = pe[k]! - a;
    }
    const fixed: number[] = [];
    for (let i = 0; i < n; i++) if (variable[i] === 0 && isDigit(text[i]!)) fixed.push(i);
    this.fixedDigits = Int32Array.from(fixed);
    this.text = text;
    this.variable = variable;
    this.parts = rel;
    this.allParts = conv.upTo < 0;
    this.base = conv.base;
    this.yearless = conv.yearless;
  }

  /**
   * The time of the time tokens `first` to `last` of s by arithmetic, or NaN when their text differs from
   * `text` elsewhere than in the variable fields' digits.
   */
  reuse(
    s: string,
    starts: Int32Array,
    ends: Int32Array,
    kinds: Uint8Array,
    timeKind: number,
    first: number,
    last: number,
  ): number {
    const a = starts[first]!;
    const b = ends[last]!;
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
    return this.time(s, a);
  }

  /**
   * `reuse` for a line of a shape stamped with this conversion, starting at `a` as that shape's line
   * did: token spans, and chars other than digits, are the shape's, and the rest of the comparison is
   * whether the digits outside the variable fields are the cached ones.
   */
  reuseFixed(s: string, a: number): number {
    const text = this.text;
    const fixed = this.fixedDigits;
    for (let k = 0; k < fixed.length; k++) {
      const i = fixed[k]!;
      if (s.charCodeAt(a + i) !== text[i]) return Number.NaN;
    }
    return this.time(s, a);
  }

  /** The time from the base and the variable fields of s, at `a`; NaN for an invalid hhmmss. */
  private time(s: string, a: number): number {
    if (this.hhmmssAt >= 0 && !validHhmmss(s, a + this.hhmmssAt)) return Number.NaN;
    let t = this.base;
    const fields = this.fields;
    for (let f = 0; f < fields.length; f += 3)
      t += num(s, a + fields[f]!, a + fields[f + 1]!) * fields[f + 2]!;
    if (this.fracFrom >= 0) t += fracMs(s, a + this.fracFrom, a + this.fracTo);
    return t;
  }
}

/**
 * The header times of every shape: each shape keeps the conversion its lines last passed the full
 * comparison with (`TimeShape`), so a line of it only checks its fixed digits, and the last conversion
 * made serves the lines of shapes that have none yet, or whose own no longer fits. Keyed on the text,
 * never on the line: it helps any stream whose lines share a day, or an epoch-stamped header.
 *
 * Kept on each shape rather than only once here: with one conversion, every new one (another day, or
 * one of HPC's lines, whose time the cache refuses to keep) sent every shape back through the full
 * comparison once, 16 % of bench:parse's raw lines.
 */
class TimeCache {
  /** The last conversion made. */
  private current: Conversion | null = null;
  /**
   * Whether the last time `iso` returned named no year (the current one was taken): read right after
   * the split by a decoder that infers the year from its own clock (`decodePlain`).
   */
  yearless = false;

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
    let tried: Conversion | null = null;
    // The conversion that gave `t`.
    let served: Conversion | null = null;
    if (shape !== null) {
      const own = shape.timeConv;
      if (own !== null && own.clears === clears && first === shape.timeFirst && last === shape.timeLast) {
        t = own.reuseFixed(s, a);
        tried = own;
        served = own;
      }
    }
    const current = this.current;
    if (Number.isNaN(t) && current !== null && current !== tried) {
      t = current.reuse(s, starts, ends, kinds, timeKind, first, last);
      served = current;
      if (!Number.isNaN(t)) this.stamp(shape, current, first, last, shapeTokens);
    }
    if (!Number.isNaN(t)) {
      this.yearless = served!.yearless;
      return formatIso(t);
    }
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
    this.yearless = conv.yearless;
    if (Number.isNaN(full)) return null;
    if (conv.cacheable) {
      const made = Conversion.of(s, a, ps, pe, count);
      if (made !== null) {
        this.current = made;
        // The line is the conversion's own text, so it passed the full comparison.
        this.stamp(shape, made, first, last, shapeTokens);
      }
    }
    return formatIso(full);
  }

  /** Forgets the conversions made (the shapes' too): a cold cache, for tests that compare with one. */
  clear(): void {
    this.current = null;
    clears++;
  }

  /** Stamps `shape` with `c`, which its line just passed in full, when the time lies within the shape. */
  private stamp(
    shape: TimeShape | null,
    c: Conversion,
    first: number,
    last: number,
    shapeTokens: number,
  ): void {
    if (shape === null || last >= shapeTokens) return;
    shape.timeConv = c;
    shape.timeFirst = first;
    shape.timeLast = last;
  }
}

export const timeCache = new TimeCache();
