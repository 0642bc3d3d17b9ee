import { CanonicalIsoReader } from "../../core/time.js";
import type { ByteReader } from "./byte-reader.js";
import type { ByteWriter } from "./byte-writer.js";
import { isoText } from "./iso-time.js";

/**
 * A column of ISO-8601 time texts. Canonical texts (`toISOString()` output: `YYYY-MM-DDTHH:MM:SS.mmmZ`)
 * are stored as whole seconds, each as the zigzag delta from the previous one (consecutive records are
 * close in time, so most deltas take a byte), and the milliseconds of each second in a second stream
 * after them: many sources write whole seconds, so that stream is mostly zeros and compresses away
 * even when a segment mixes such sources with others that write milliseconds. Any other text (no milliseconds, microseconds,
 * an offset) is kept verbatim as an exception so it round-trips exactly; its row's delta is 0.
 */

/** Epoch ms of a canonical ISO text, or NaN when the text is not exactly `new Date(ms).toISOString()`. */
export class CanonicalTimeParser {
  // Records come in time order, so most share the previous record's minute (`CanonicalIsoReader`).
  readonly #reader = new CanonicalIsoReader();

  parse(text: string): number {
    return this.#reader.ms(text) ?? Number.NaN;
  }
}

/**
 * Writes `count` times given as epoch ms of canonical texts (`CanonicalTimeParser`), NaN for the rows
 * whose text is in `verbatim` (its keys in row order) and kept as written.
 */
export function writeTimeMs(
  out: ByteWriter,
  ms: Float64Array,
  count: number,
  verbatim: ReadonlyMap<number, string>,
): void {
  out.uint(verbatim.size);
  let prevAt = 0;
  for (const [i, text] of verbatim) {
    out.uint(i - prevAt);
    out.string(text);
    prevAt = i;
  }
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const t = ms[i]!;
    if (Number.isNaN(t)) {
      out.uint(0);
      continue;
    }
    const seconds = Math.floor(t / 1000);
    out.int(seconds - prev);
    prev = seconds;
  }
  for (let i = 0; i < count; i++) {
    const t = ms[i]!;
    out.uint(Number.isNaN(t) ? 0 : t - Math.floor(t / 1000) * 1000);
  }
}

/** Reads `count` times: epoch ms (NaN where the text is kept verbatim) and the verbatim texts by row. */
export function readTimeMs(
  input: ByteReader,
  count: number,
): { ms: Float64Array; verbatim: Map<number, string> } {
  const verbatim = new Map<number, string>();
  const n = input.uint();
  let at = 0;
  for (let k = 0; k < n; k++) {
    at += input.uint();
    verbatim.set(at, input.string());
  }
  const ms = new Float64Array(count);
  let prev = 0;
  for (let i = 0; i < count; i++) {
    prev += input.int();
    ms[i] = prev * 1000;
  }
  for (let i = 0; i < count; i++) {
    const millis = input.uint();
    ms[i] = verbatim.has(i) ? Number.NaN : ms[i]! + millis;
  }
  return { ms, verbatim };
}

/** The text of row `i` (`isoText`: `toISOString`, faster). */
export function timeText(ms: Float64Array, verbatim: ReadonlyMap<number, string>, i: number): string {
  return verbatim.get(i) ?? isoText(ms[i]!);
}
