import { bitOf, collectKeys, type DigitProbe, KeyCollector } from "./digit-keys.js";
import { buildFuseFilter, FuseFilter, mix } from "./fuse-filter.js";
import { readStoredBlock } from "./segment-blocks.js";
import { readMeta } from "./segment-meta.js";

/**
 * The stored digit filter: a segment's `digits` block, written when it is sealed (`digitFilterBlock`) and
 * read without decompressing anything (`readStoredDigitFilter`), keyed as `storedDigitProbes` probes it
 * (`digit-keys.ts`); what it is for: `digit-runs.ts`.
 */

/**
 * Bits per key and hashes of a stored Bloom filter (`STORED_BLOOM`): about 9% false positives (4 bits:
 * about 15%). Segments are sealed with a binary fuse filter instead (`STORED_FUSE`, `fuse-filter.ts`):
 * about 6% in about as many bytes (4-bit fingerprints in 5.2–5.5 bits a key for a segment's thousands of
 * keys). The Bloom filter is what segments sealed before it hold, what a segment of a few keys gets (a
 * whole word of it lets fewer through), and what one gets whose keys the fuse filter cannot peel.
 */
const STORED_BITS_PER_KEY = 5;
const STORED_HASHES = 3;
/** The stored filter's first byte: what it claims. */
const STORED_ANY_RUN = 0;
const STORED_BLOOM = 1;
const STORED_FUSE = 2;

/**
 * A segment's stored digit filter (its `digits` block): a filter of its digit runs keyed as
 * `storedDigitProbes` probes them (a binary fuse or a Bloom filter), read from the block's bytes without
 * decompressing anything. Coarser than `DigitRunSummary` (fewer keys, fewer bits a key), but there before
 * any block is read: a search for a number reads it and skips most segments with no brotli and no summary
 * to build.
 */
export class StoredDigitFilter {
  /** `holds` null: the segment may hold any digit run (a template joins digits across a slot's edge). */
  constructor(
    private readonly holds: ((h: number) => boolean) | null,
    readonly byteSize: number,
  ) {}

  /** False only when some probe (`storedDigitProbes`) is a key no message of the segment has. */
  mayHoldAll(probes: readonly DigitProbe[]): boolean {
    if (this.holds === null) return true;
    for (const p of probes) if (!this.holds(p.h)) return false;
    return true;
  }
}

/** A stored Bloom filter's test of a key: `hashes` bits, at positions seeded with `seed` (`seedOf`). */
function bloomHolds(bits: Uint32Array, hashes: number, seed: number): (h: number) => boolean {
  const size = bits.length * 32;
  return (h) => {
    let at = mix(h ^ seed);
    const step = mix(h ^ seed ^ 0x9e3779b9) | 1;
    for (let k = 0; k < hashes; k++) {
      const bit = bitOf(at, size);
      if ((bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
      at = (at + step) | 0;
    }
    return true;
  };
}

/**
 * A segment's filter seed, from its first reference. Without one, a key's bits are at the same share of
 * every segment's filter, and keys that recur in every segment (a service's fixed numbers) set the same
 * shares everywhere: a probe landing on them passed in every segment (27% of 93 segments for one number
 * where 15% pass on average). Seeded, a probe's false positives are independent from segment to segment.
 */
function seedOf(firstRef: number): number {
  return mix((firstRef % 4294967296) ^ 0x5bd1e995);
}

/**
 * The `digits` block of a segment whose raw blocks are `blocks`: its first byte says what it claims
 * (`STORED_FUSE` or `STORED_BLOOM`: a filter follows; `STORED_ANY_RUN`: nothing is claimed), then, all
 * little-endian: for a fuse filter, the log2 of its block length (1 byte), its seed (32 bits), its block
 * count (32 bits) and its slots, two to a byte (`FuseFilter`); for a Bloom filter, how many hashes a key
 * sets (1 byte), the seed (`seedOf`, 32 bits) and the filter's 32-bit words. Stored as it is: filter bits
 * do not compress.
 */
export function digitFilterBlock(blocks: {
  meta: Uint8Array;
  index: Uint8Array;
  vars: Uint8Array;
}): Uint8Array {
  const meta = readMeta(blocks.meta);
  const keys = new KeyCollector(storedKeys, true);
  try {
    if (!collectKeys(meta, blocks.index, () => blocks.vars, keys)) return Uint8Array.of(STORED_ANY_RUN, 0);
    const seed = seedOf(meta.firstRef);
    const bloom = () => bloomBlock(keys.bloom(STORED_BITS_PER_KEY, STORED_HASHES, seed), seed);
    // A few keys get a whole 32-bit word of Bloom filter, more bits a key than the fuse filter's 1 in 16.
    if (bloomPassRate(keys.size) < FUSE_PASS_RATE) return bloom();
    const fuse = buildFuseFilter(keys.keys(), seed);
    return fuse ? fuseBlock(fuse) : bloom();
  } finally {
    storedKeys = keys.table;
  }
}

/** The share of keys outside the set a fuse filter lets through (4-bit fingerprints). */
const FUSE_PASS_RATE = 1 / 16;

/** The share of keys outside the set a stored Bloom filter of `n` keys lets through (its words rounded up). */
function bloomPassRate(n: number): number {
  const bits = 32 * Math.max(1, Math.ceil((n * STORED_BITS_PER_KEY) / 32));
  return (1 - Math.exp((-STORED_HASHES * n) / bits)) ** STORED_HASHES;
}

/** A stored filter's head: its kind, then hashes (Bloom) or block bits (fuse), then the seed. */
const STORED_HEAD = 6;
/** A fuse filter's head: `STORED_HEAD`, then its block count. */
const FUSE_HEAD = STORED_HEAD + 4;

function fuseBlock(fuse: FuseFilter): Uint8Array {
  const out = new Uint8Array(FUSE_HEAD + fuse.nibbles.length);
  out[0] = STORED_FUSE;
  out[1] = fuse.blockBits;
  const view = new DataView(out.buffer);
  view.setUint32(2, fuse.seed, true);
  view.setUint32(STORED_HEAD, fuse.blocks, true);
  out.set(fuse.nibbles, FUSE_HEAD);
  return out;
}

/** The `STORED_BLOOM` block of a Bloom filter's words (what segments sealed before the fuse filter hold). */
function bloomBlock(words: Uint32Array, seed: number): Uint8Array {
  const out = new Uint8Array(STORED_HEAD + 4 * words.length);
  out[0] = STORED_BLOOM;
  out[1] = STORED_HASHES;
  const view = new DataView(out.buffer);
  view.setUint32(2, seed, true);
  for (let w = 0; w < words.length; w++) view.setUint32(STORED_HEAD + 4 * w, words[w]!, true);
  return out;
}

/** The key set stored filters are built in, one after the other (sealing is synchronous here). */
let storedKeys: Uint32Array = new Uint32Array(1 << 14);

/**
 * The segment's stored digit filter, or null when it has none (a segment of format version 1, a batch)
 * or one of a kind this code does not know: the caller then reads the segment as before. The filter's
 * words are copied out, so the segment's bytes need not be kept.
 */
export function readStoredDigitFilter(segment: Uint8Array): StoredDigitFilter | null {
  const block = readStoredBlock(segment, "digits");
  return block === null ? null : storedDigitFilterOf(block);
}

/** A `digits` block's filter (as `readStoredDigitFilter`), from the block's bytes as stored. */
export function storedDigitFilterOf(block: Uint8Array): StoredDigitFilter | null {
  if (block.length < 2) return null;
  if (block[0] === STORED_ANY_RUN) return new StoredDigitFilter(null, 64);
  if (block.length <= STORED_HEAD) return null;
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const seed = view.getUint32(2, true);
  if (block[0] === STORED_FUSE) return fuseFilterOf(block, view, seed);
  const wordBytes = block.length - STORED_HEAD;
  if (block[0] !== STORED_BLOOM || wordBytes % 4 !== 0) return null;
  const words = new Uint32Array(wordBytes / 4);
  for (let w = 0; w < words.length; w++) words[w] = view.getUint32(STORED_HEAD + 4 * w, true);
  return new StoredDigitFilter(bloomHolds(words, block[1]!, seed), 64 + words.byteLength);
}

/** A `STORED_FUSE` block's filter; null when its sizes do not add up (read as no filter). */
function fuseFilterOf(block: Uint8Array, view: DataView, seed: number): StoredDigitFilter | null {
  if (block.length < FUSE_HEAD) return null;
  const blockBits = block[1]!;
  const blocks = view.getUint32(STORED_HEAD, true);
  const slots = (blocks + 2) * 2 ** blockBits;
  if (blockBits < 1 || blockBits > 24 || blocks < 1 || block.length - FUSE_HEAD !== slots / 2) return null;
  // Copied out, so the segment's bytes need not be kept.
  const fuse = new FuseFilter(blockBits, blocks, seed, block.slice(FUSE_HEAD));
  return new StoredDigitFilter((h) => fuse.has(h), 64 + fuse.nibbles.byteLength);
}
