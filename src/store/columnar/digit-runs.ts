import { bitOf, collectKeys, type DigitProbe, KeyCollector } from "./digit-keys.js";
import { readBlock } from "./segment-blocks.js";
import { readSegmentMeta } from "./segment-decoder.js";
import type { SegmentMeta } from "./segment-meta.js";

/**
 * Which runs of ASCII digits a segment's messages can hold, as a Bloom filter kept in memory: what lets a
 * search for a number or an id skip a segment without decompressing its index or decoding its columns
 * again once the segment has been read. A segment of fresh values holds some 15,000 distinct digit runs
 * (16,384-line segments of bench:search's corpus), about 30 KB here. No on-disk index could hold them all
 * this exactly: storage must stay under half of gzip's size, which left about 4 KB a segment, less than a
 * bit a run. What is stored (`StoredDigitFilter`, written at seal) keys only the runs a filter can tell
 * apart (6 digits and more, by their first 8) in about 5 bits a key, and lets about 6% of the segments
 * that lack a number through (9% with the Bloom filter segments were sealed with before); those get this
 * summary when first read.
 *
 * Why a digit run is enough. A message is its template's static pieces with the slot values between them
 * (`template-pieces.ts`), or a verbatim message. A maximal run of ASCII digits in a message (folding keeps
 * ASCII digits and makes no other character one: test/store/columnar/lean-index.test.ts) either lies in one
 * piece, value or verbatim message, and is then a maximal run of it, or spans a piece boundary, which needs
 * a static digit (or no static text at all) beside a slot: such templates make the summary answer "may
 * hold" for anything. A query word that a message holds as a whole word holds each of its maximal digit
 * runs as a maximal run of the message; the last word, which may end inside a longer word, holds its last
 * digit run as the start of one. So the filter keys every maximal digit run of every static piece,
 * dictionary value, number column value and verbatim message, and the first 8, 12, 16 and 20 digits of
 * the longer ones (`PREFIX_LENGTHS`, `digitProbes`).
 */

/** Bits per distinct key and hashes per key: about 0.3% false positives. */
const BITS_PER_KEY = 12;
const HASHES = 7;

export class DigitRunSummary {
  /** `bits` null: the segment may hold any digit run (a template joins digits across a slot's edge). */
  constructor(private readonly bits: Uint32Array | null) {}

  /** False only when some probe's run is in no message of the segment. */
  mayHoldAll(probes: readonly DigitProbe[]): boolean {
    const bits = this.bits;
    if (bits === null) return true;
    const size = bits.length * 32;
    for (const p of probes) {
      let at = p.h1;
      for (let k = 0; k < HASHES; k++) {
        const bit = bitOf(at, size);
        if ((bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
        at = (at + p.h2) | 0;
      }
    }
    return true;
  }

  /** Heap it takes (what a cache of summaries counts). */
  get byteSize(): number {
    return 64 + (this.bits?.byteLength ?? 0);
  }
}

/**
 * Reads a segment's summary from its metadata, index and vars blocks (the times and fields blocks are
 * not read). `meta` and the decompressed index block may be given by a caller that has them.
 */
export function readDigitRunSummary(
  segment: Uint8Array,
  meta: SegmentMeta = readSegmentMeta(segment),
  indexBlock: Uint8Array = readBlock(segment, "index"),
): DigitRunSummary {
  const keys = new KeyCollector(segmentKeys);
  try {
    return summaryOf(segment, meta, indexBlock, keys);
  } finally {
    segmentKeys = keys.table;
  }
}

/** The key set segments are summarised in, one after the other (reading is synchronous). */
let segmentKeys: Uint32Array = new Uint32Array(1 << 16);

function summaryOf(
  segment: Uint8Array,
  meta: SegmentMeta,
  indexBlock: Uint8Array,
  keys: KeyCollector,
): DigitRunSummary {
  if (!collectKeys(meta, indexBlock, () => readBlock(segment, "vars"), keys))
    return new DigitRunSummary(null);
  return new DigitRunSummary(keys.bloom(BITS_PER_KEY, HASHES));
}
