/**
 * A shape as segments: pairs `(start, end)` that are spans of the scanned line, or `(-1, -1)` for a
 * `<*>`. The masker appends to one module-level buffer, reused for every line, so masking a line
 * allocates nothing; strings are built from segments only when a template needs them.
 */
import { WILD_TEXT } from "./wild.js";

let buf = new Int32Array(1024);
let len = 0;
/** Start of the current token's segments: spans are only joined within one token. */
let floor = 0;

export function pushSpan(a: number, b: number): void {
  if (a >= b) return;
  // A span that continues the previous one extends it: the shape's text and hash are the same, and
  // the loops over segments (hashing, verifying the memo) run once per run of literal chars, not per
  // punctuation char.
  if (len > floor && buf[len - 1] === a && buf[len - 2]! >= 0) {
    buf[len - 1] = b;
    return;
  }
  if (len + 2 > buf.length) grow();
  buf[len] = a;
  buf[len + 1] = b;
  len += 2;
}

export function pushWild(): void {
  if (len + 2 > buf.length) grow();
  buf[len] = -1;
  buf[len + 1] = -1;
  len += 2;
}

function grow(): void {
  const next = new Int32Array(buf.length * 2);
  next.set(buf);
  buf = next;
}

/** Current end of the buffer: segments appended from here on belong to the next token. */
export function segmentMark(): number {
  floor = len;
  return len;
}

/** Drops the segments appended since `mark`. */
export function segmentRelease(mark: number): void {
  len = mark;
  floor = mark;
}

/** Raw access for the scanner's loops; valid until the next push (the buffer may grow). */
export function segmentBuffer(): Int32Array {
  return buf;
}

/** The text of segments [from, to) of line `s`. */
export function segmentText(s: string, from: number, to: number = len): string {
  if (to - from === 2 && buf[from]! >= 0) return s.slice(buf[from]!, buf[from + 1]!);
  let out = "";
  for (let k = from; k < to; k += 2) {
    const a = buf[k]!;
    out += a < 0 ? WILD_TEXT : s.slice(a, buf[k + 1]!);
  }
  return out;
}
