import { ByteReader } from "./byte-reader.js";
import { readBlock } from "./segment-blocks.js";
import type { IndexShape } from "./segment-columns.js";
import type { IndexParts } from "./segment-decoder.js";
import { readSegmentMeta } from "./segment-decoder.js";
import { readIndex, type SegmentIndex, type SegmentMeta } from "./segment-meta.js";
import { KIND_DICTIONARY, readSlotStats, type SlotStats } from "./slot-column.js";
import { templatePieces } from "./template-pieces.js";
import { foldText } from "./word-fold.js";
import { type Part, slotPart, textPart, type ValueSet } from "./word-reach.js";

/**
 * A segment's index block read for one search without parsing its dictionaries: the block is kept as
 * bytes and each dictionary and verbatim message is a range of it. Parsing and folding the dictionaries
 * of a segment of fresh values (tens of thousands of strings) is most of what a search for a rare word
 * costs in a segment that does not hold it; a byte search of the block answers the prefilter's questions
 * for such a word in a fraction of that, over-approximating (`RawValues`). Only for words of ASCII
 * letters and digits (`leanWords`): ASCII digits fold to themselves and no other character folds to one,
 * so the raw bytes hold a digit string exactly where the folded text does; with letters, the bytes with
 * ASCII letters lowered are the folded text of ASCII text, and a range holding any other byte is decoded
 * and folded (`É` folds to `e`).
 */

/**
 * Where strings occur in an index block (ASCII letters lowered, for strings with letters), found once per
 * string per block: a byte search of the whole block, then each range asks by binary search. Strings met
 * more than `MAX_PLACES` times are taken to occur in every range (true is always a safe answer), so a
 * short common string costs no more than one pass.
 */
class BlockPlaces {
  #lowered: Buffer | undefined;
  /** Where the block's bytes of 0x80 and above are (found with the lowered copy). */
  #nonAscii: Int32Array | undefined;
  readonly #places = new Map<string, Int32Array | null>();
  readonly #asks = new Map<string, number>();

  constructor(readonly raw: Buffer) {}

  /** Whether `s` (ASCII letters and digits) may occur within bytes `from` to `to` of the block. */
  occursIn(s: string, from: number, to: number): boolean {
    if (to - from < s.length) return false;
    // A string this short is in nearly every dictionary of fresh values, and searching for it cost more
    // than all the rest (a run of a word's first digits, asked of each value's last word). A query word
    // this short is in nearly every segment anyway.
    if (s.length <= ALWAYS_THERE) return true;
    let places = this.#places.get(s);
    if (places === undefined) {
      // The first few asks search their ranges: the walk asks most of a word's pieces (its prefixes,
      // runs) of a few dictionaries only, and a search of the whole block each cost more than the rest
      // of the plan. A string asked again and again (the word itself, of every dictionary) gets its places.
      const asked = (this.#asks.get(s) ?? 0) + 1;
      this.#asks.set(s, asked);
      if (asked <= RANGE_SEARCHES) {
        const letters = /[a-z]/.test(s);
        if (letters && this.#anyNonAscii(from, to)) return this.#foldedRange(from, to).includes(s);
        return (letters ? this.#lower() : this.raw).subarray(from, to).indexOf(s, 0, "latin1") >= 0;
      }
      places = this.#find(s);
      this.#places.set(s, places);
    }
    if (places === null) return true;
    // The first place at or after `from`: it must end by `to`.
    const at = firstAtOrAfter(places, from);
    if (at < places.length && places[at]! + s.length <= to) return true;
    return /[a-z]/.test(s) && this.#anyNonAscii(from, to) && this.#foldedRange(from, to).includes(s);
  }

  readonly #foldedRanges = new Map<number, string>();

  /**
   * Bytes `from` to `to` as folded text, for a range holding non-ASCII bytes (`É` folds to `e`). The
   * range's length bytes may decode as replacement characters, but UTF-8 resynchronises at each value's
   * first byte, so every value's text is in it whole: a word it holds is found.
   */
  #foldedRange(from: number, to: number): string {
    const key = from * 0x1_0000_0000 + to;
    let text = this.#foldedRanges.get(key);
    if (text === undefined) {
      text = foldText(this.raw.toString("utf8", from, to));
      this.#foldedRanges.set(key, text);
    }
    return text;
  }

  /** Whether bytes `from` to `to` hold a byte of 0x80 or above (a character folding may make letters of). */
  #anyNonAscii(from: number, to: number): boolean {
    this.#lower();
    const places = this.#nonAscii!;
    const at = firstAtOrAfter(places, from);
    return at < places.length && places[at]! < to;
  }

  /** The bytes to search for `s`: the block, with ASCII letters lowered when `s` has letters. */
  #find(s: string): Int32Array | null {
    const hay = /[a-z]/.test(s) ? this.#lower() : this.raw;
    const found: number[] = [];
    for (let at = hay.indexOf(s, 0, "latin1"); at >= 0; at = hay.indexOf(s, at + 1, "latin1")) {
      if (found.length === MAX_PLACES) return null;
      found.push(at);
    }
    return Int32Array.from(found);
  }

  /** The block with ASCII letters lowered: the folded text of its ASCII text. */
  #lower(): Buffer {
    if (this.#lowered) return this.#lowered;
    const raw = this.raw;
    const lowered = Buffer.allocUnsafe(raw.length);
    const nonAscii: number[] = [];
    for (let i = 0; i < raw.length; i++) {
      const b = raw[i]!;
      if (b >= 0x80) nonAscii.push(i);
      lowered[i] = b >= 65 && b <= 90 ? b + 32 : b;
    }
    this.#lowered = lowered;
    this.#nonAscii = Int32Array.from(nonAscii);
    return lowered;
  }
}

const MAX_PLACES = 4_096;
/** Strings this short are taken to occur in every range. */
const ALWAYS_THERE = 2;
/** Asks of a string answered by searching their ranges before its places in the block are found. */
const RANGE_SEARCHES = 8;

/** The first index of sorted `places` whose value is at least `from` (`places.length` if none). */
function firstAtOrAfter(places: Int32Array, from: number): number {
  let lo = 0;
  let hi = places.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (places[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * A dictionary as a range of the index block (its values, each after its length). Every question is a
 * search of the range: true whenever the exact answer is (a value's own bytes are in the range), sometimes
 * when it is not (a match across a length byte or two values).
 */
class RawValues implements ValueSet {
  constructor(
    private readonly block: BlockPlaces,
    private readonly from: number,
    private readonly to: number,
    readonly hasEmpty: boolean,
  ) {}

  contains(s: string): boolean {
    return this.block.occursIn(s, this.from, this.to);
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

/**
 * The static parts of recent templates, folded, by template text: the same templates recur in segment
 * after segment, and a part is never changed once made. Emptied when full.
 */
const recentPieces = new Map<string, Part[]>();
const RECENT_TEMPLATES = 8_192;

function staticParts(template: string): Part[] {
  let parts = recentPieces.get(template);
  if (parts === undefined) {
    parts = templatePieces(template).map(textPart);
    if (recentPieces.size >= RECENT_TEMPLATES) recentPieces.clear();
    recentPieces.set(template, parts);
  }
  return parts;
}

/** A dictionary's values as a range of the index block: from its first value's length to its end. */
interface DictionaryRange {
  from: number;
  to: number;
  hasEmpty: boolean;
  count: number;
}

export class LeanIndex implements IndexParts {
  #parts: (Part[] | null)[] | undefined;
  readonly #entrySlots: (readonly SlotStats[] | undefined)[] = [];

  constructor(
    readonly meta: SegmentMeta,
    private readonly block: BlockPlaces,
    /** Per entry, per wildcard: a number column's stats, or a dictionary's range of the block. */
    private readonly slots: (SlotStats | DictionaryRange)[][],
    /** The verbatim messages: their entries and ranges of the block. */
    readonly verbatim: { entry: number; from: number; to: number }[],
  ) {}

  get shape(): IndexShape {
    return {
      slotKinds: this.slots.map((slots) => slots.map((s) => ("kind" in s ? s.kind : "dictionary"))),
      verbatimCount: this.verbatim.length,
    };
  }

  /** Each template entry's parts, as `SearchIndex.templateParts`, dictionaries as ranges of the block. */
  templateParts(): (Part[] | null)[] {
    this.#parts ??= this.meta.templates.map((t, e) => {
      if (t.template === null) return null;
      const slots = this.slots[e]!;
      const texts = staticParts(t.template);
      const parts: Part[] = [texts[0]!];
      for (let k = 1; k < texts.length; k++) {
        const s = slots[k - 1]!;
        parts.push(
          "kind" in s
            ? slotPart(s)
            : { kind: "values", values: new RawValues(this.block, s.from, s.to, s.hasEmpty) },
          texts[k]!,
        );
      }
      return parts;
    });
    return this.#parts;
  }

  /**
   * Entry e's slot stats, its dictionaries' values read from their ranges alone: a reader builds the
   * messages of a few entries of a segment without parsing every dictionary of its index block.
   */
  slotsOf(e: number): readonly SlotStats[] {
    let slots = this.#entrySlots[e];
    if (slots === undefined) {
      const input = new ByteReader(this.block.raw);
      slots = this.slots[e]!.map((s) => {
        if ("kind" in s) return s;
        input.pos = s.from;
        const values = new Array<string>(s.count);
        for (let v = 0; v < s.count; v++) values[v] = input.string();
        return { kind: "dictionary", values };
      });
      this.#entrySlots[e] = slots;
    }
    return slots;
  }

  /** Verbatim message k, read from its range of the block. */
  verbatimMessage(k: number): string {
    const v = this.verbatim[k]!;
    return this.block.raw.toString("utf8", v.from, v.to);
  }

  /** The index block parsed, from the bytes already decompressed (for a reader that builds messages). */
  parseIndex(): SegmentIndex {
    return readIndex(this.block.raw, this.meta);
  }

  /** Whether verbatim message `k` may hold every one of `words` (a search of its bytes). */
  verbatimMayHold(k: number, words: readonly string[]): boolean {
    const v = this.verbatim[k]!;
    return words.every((w) => this.block.occursIn(w, v.from, v.to));
  }
}

/**
 * The query words a `LeanIndex` can be searched for: every word ASCII letters and digits, at least one
 * with a digit (numbers, ids, addresses: words no dictionary-free index rules out cheaply otherwise; a
 * common word is met early in the newest segments, whose parsed indexes are kept). Null otherwise.
 * `anyWord`: words without a digit too, for a scan of every piece that builds few messages (a count
 * or histogram: rows of an entry whose static text holds the words are counted unbuilt).
 */
export function leanWords(words: readonly string[] | null, anyWord = false): readonly string[] | null {
  if (words === null || words.length === 0) return null;
  if (!words.every((w) => /^[0-9a-z]+$/.test(w))) return null;
  return anyWord || words.some((w) => /[0-9]/.test(w)) ? words : null;
}

/** Reads a segment's metadata and its index block as a `LeanIndex`. */
export function readLeanIndex(segment: Uint8Array, meta: SegmentMeta = readSegmentMeta(segment)): LeanIndex {
  const raw = readBlock(segment, "index");
  const input = new ByteReader(raw);
  const n = input.uint();
  if (n !== meta.templates.length) throw new Error("index and metadata disagree on the template entries");
  const slots: (SlotStats | DictionaryRange)[][] = [];
  for (let e = 0; e < n; e++) {
    const template = meta.templates[e]!.template;
    const wildcards = template === null ? 0 : templatePieces(template).length - 1;
    const entry: (SlotStats | DictionaryRange)[] = [];
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
      entry.push({ from, to: input.pos, hasEmpty, count });
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
  const block = new BlockPlaces(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
  return new LeanIndex(meta, block, slots, verbatim);
}
