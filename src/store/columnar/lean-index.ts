import { ByteReader } from "./byte-reader.js";
import { readBlock } from "./segment-blocks.js";
import { readSegmentMeta } from "./segment-decoder.js";
import type { SegmentMeta } from "./segment-meta.js";
import { KIND_DICTIONARY, readSlotStats, type SlotStats } from "./slot-column.js";
import { templatePieces } from "./template-pieces.js";
import { type Part, slotPart, textPart, type ValueSet } from "./word-reach.js";

/**
 * A segment's index block read for one search without parsing its dictionaries: the block is kept as
 * bytes, ASCII letters lowered, and each dictionary and verbatim message is a range of it. Parsing and
 * folding the dictionaries of a segment of fresh values (tens of thousands of strings) is most of what
 * a search for a rare word costs in a segment that does not hold it; a byte search of the lowered block
 * answers the prefilter's questions for such a word in a fraction of that, over-approximating
 * (`RawValues`). Only for words of ASCII letters and digits, where the lowered bytes are the folded
 * text's (`leanWords`).
 */

/** How a slot's values are stored in the vars block: all a reader needs to walk the block. */
export type SlotKind = SlotStats["kind"];

/** The layout of the vars block a segment's index implies (`SegmentReader` walks the block with it). */
export interface IndexShape {
  /** Per template entry, each wildcard's column kind. */
  slotKinds: SlotKind[][];
  verbatimCount: number;
}

/**
 * A dictionary as a range of the lowered index block (its values, each after its length). Every question
 * is a byte search of the range: true whenever the exact answer is (a value's own bytes are in the range),
 * sometimes when it is not (a match across a length byte or two values).
 */
class RawValues implements ValueSet {
  constructor(
    private readonly bytes: Buffer,
    readonly hasEmpty: boolean,
  ) {}

  contains(s: string): boolean {
    return this.bytes.includes(s, 0, "latin1");
  }

  startsWith(s: string): boolean {
    return this.contains(s);
  }

  hasWordValue(s: string): boolean {
    return this.contains(s);
  }

  hasLastRun(s: string): boolean {
    return this.contains(s);
  }
}

export class LeanIndex {
  #parts: (Part[] | null)[] | undefined;

  constructor(
    readonly meta: SegmentMeta,
    /** The index block, ASCII letters lowered. */
    private readonly lowered: Buffer,
    /** Whether the block is all ASCII (else only digit words are searched in it: `leanWords`). */
    readonly ascii: boolean,
    /** Per entry, per wildcard: a number column's stats, or a dictionary's range of `lowered`. */
    private readonly slots: (SlotStats | { from: number; to: number; hasEmpty: boolean })[][],
    /** The verbatim messages: their entries and ranges of `lowered`. */
    readonly verbatim: { entry: number; from: number; to: number }[],
  ) {}

  get shape(): IndexShape {
    return {
      slotKinds: this.slots.map((slots) => slots.map((s) => ("kind" in s ? s.kind : "dictionary"))),
      verbatimCount: this.verbatim.length,
    };
  }

  /** Each template entry's parts, as `SearchIndex.templateParts`, dictionaries as byte ranges. */
  templateParts(): (Part[] | null)[] {
    this.#parts ??= this.meta.templates.map((t, e) => {
      if (t.template === null) return null;
      const slots = this.slots[e]!;
      const parts: Part[] = [];
      templatePieces(t.template).forEach((piece, k) => {
        if (k > 0) {
          const s = slots[k - 1]!;
          parts.push(
            "kind" in s
              ? slotPart(s)
              : { kind: "values", values: new RawValues(this.lowered.subarray(s.from, s.to), s.hasEmpty) },
          );
        }
        parts.push(textPart(piece));
      });
      return parts;
    });
    return this.#parts;
  }

  /** Whether verbatim message `k` may hold every one of `words` (a byte search of its lowered text). */
  verbatimMayHold(k: number, words: readonly string[]): boolean {
    const v = this.verbatim[k]!;
    const text = this.lowered.subarray(v.from, v.to);
    return words.every((w) => text.includes(w, 0, "latin1"));
  }
}

/**
 * The query words a `LeanIndex` can be searched for: every word ASCII letters and digits, at least one
 * with a digit (numbers, ids, addresses: words no dictionary-free index rules out cheaply otherwise; a
 * common word is met early in the newest segments, whose parsed indexes are kept). Null otherwise.
 */
export function leanWords(words: readonly string[] | null): readonly string[] | null {
  if (words === null || words.length === 0) return null;
  if (!words.every((w) => /^[0-9a-z]+$/.test(w))) return null;
  return words.some((w) => /[0-9]/.test(w)) ? words : null;
}

/** Whether `words` can be searched for in a segment of this `LeanIndex` (letters need an ASCII block). */
export function leanSearchable(lean: LeanIndex, words: readonly string[]): boolean {
  return lean.ascii || words.every((w) => /^[0-9]+$/.test(w));
}

/** Reads a segment's metadata and its index block as a `LeanIndex`. */
export function readLeanIndex(segment: Uint8Array, meta: SegmentMeta = readSegmentMeta(segment)): LeanIndex {
  const raw = readBlock(segment, "index");
  const lowered = Buffer.alloc(raw.length);
  let ascii = true;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b >= 0x80) ascii = false;
    lowered[i] = b >= 65 && b <= 90 ? b + 32 : b;
  }
  const input = new ByteReader(raw);
  const n = input.uint();
  if (n !== meta.templates.length) throw new Error("index and metadata disagree on the template entries");
  const slots: (SlotStats | { from: number; to: number; hasEmpty: boolean })[][] = [];
  for (let e = 0; e < n; e++) {
    const template = meta.templates[e]!.template;
    const wildcards = template === null ? 0 : templatePieces(template).length - 1;
    const entry: (SlotStats | { from: number; to: number; hasEmpty: boolean })[] = [];
    for (let k = 0; k < wildcards; k++) {
      const at = input.pos;
      if (input.uint() !== KIND_DICTIONARY) {
        // A number column: its stats are a few integers.
        input.pos = at;
        entry.push(readSlotStats(input));
        continue;
      }
      const count = input.uint();
      const from = input.pos;
      let hasEmpty = false;
      for (let v = 0; v < count; v++) {
        const length = input.uint();
        if (length === 0) hasEmpty = true;
        input.skip(length);
      }
      entry.push({ from, to: input.pos, hasEmpty });
    }
    slots.push(entry);
  }
  const m = input.uint();
  const verbatim: { entry: number; from: number; to: number }[] = [];
  for (let k = 0; k < m; k++) {
    const entry = input.uint();
    const length = input.uint();
    const from = input.pos;
    input.skip(length);
    verbatim.push({ entry, from, to: from + length });
  }
  return new LeanIndex(meta, lowered, ascii, slots, verbatim);
}
