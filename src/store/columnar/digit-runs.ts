import { ByteReader } from "./byte-reader.js";
import { buildFuseFilter, FuseFilter, mix } from "./fuse-filter.js";
import { readBlock, readStoredBlock } from "./segment-blocks.js";
import { readSegmentMeta } from "./segment-decoder.js";
import { readMeta, type SegmentMeta } from "./segment-meta.js";
import { KIND_DICTIONARY, readSlotStats } from "./slot-column.js";
import { templatePieces } from "./template-pieces.js";

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

/**
 * A digit run longer than one of these is keyed by its first that-many digits too, for the last word of a
 * search (which may end inside a longer word). Several lengths: long ids often share their first digits
 * (`8353423262…` in a LogHub dataset, 19 digits of which the last 9 vary), and a probe of their first 8
 * alone kept every segment holding one.
 */
const PREFIX_LENGTHS = [8, 12, 16, 20] as const;
const SHORTEST_PREFIX = PREFIX_LENGTHS[0];
/** Shortest whole digit run worth a probe: a shorter one is in nearly every segment. */
const MIN_WHOLE_DIGITS = 4;
/** Bits per distinct key and hashes per key: about 0.3% false positives. */
const BITS_PER_KEY = 12;
const HASHES = 7;

/**
 * The stored filter (`StoredDigitFilter`, a segment's `digits` block, written when it is sealed) keys
 * fewer runs than the in-memory summary, to stay within the store's size budget (under half of gzip's
 * size: about 4 KB a 16,384-line segment was left): whole runs of 6 and 7 digits only (shorter ones are in
 * nearly every segment of fresh values: 4 digits take nearly half of all values in one), and the first 8
 * digits of longer runs (a run of exactly 8 being its own first 8), so a probe of a run of 8 or more
 * digits is its first 8. About 5,000 keys a segment of bench:store's corpus where the summary keys
 * 15,000; with the first 12 and 16 digits too (long ids sharing their first digits told apart) it was
 * about 10,000, and 5 bits a key took bench:store from 0.486 to 0.507 times gzip's size.
 */
const STORED_WHOLE_DIGITS = [6, 7] as const;
const STORED_PREFIX_LENGTHS = [8] as const;
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

/** One key a segment must hold for a query to match in it: a digit run, or the start of one. */
export interface DigitProbe {
  /** The digits keyed (a whole run, or a run's first digits, `PREFIX_LENGTHS`). */
  digits: string;
  /** The key's hash (FNV-1a of the digits), which a stored filter mixes with its seed. */
  h: number;
  h1: number;
  h2: number;
}

/**
 * The probes a query's words (folded, as `queryWords` gives them) imply: every maximal digit run of at
 * least `MIN_WHOLE_DIGITS` digits, whole; for the last word's last run when it ends the word (the word may
 * end inside a longer one), its first digits to the longest of `PREFIX_LENGTHS` it has, else none.
 */
export function digitProbes(words: readonly string[] | null): DigitProbe[] {
  const probes: DigitProbe[] = [];
  eachDigitRun(words, (run, endsLastWord) => {
    if (endsLastWord) {
      const keyed = PREFIX_LENGTHS.filter((n) => n <= run.length).at(-1);
      if (keyed !== undefined) probes.push(probeOf(run.slice(0, keyed)));
    } else if (run.length >= MIN_WHOLE_DIGITS) probes.push(probeOf(run));
  });
  return probes;
}

/**
 * The probes of `digitProbes` as the stored filter keys runs: a run of 6 or 7 digits whole; a longer one,
 * and the last word's last run of 8 or more digits when it ends the word (a start of a longer run), by
 * its first 8. Shorter runs give none.
 */
export function storedDigitProbes(words: readonly string[] | null): DigitProbe[] {
  const probes: DigitProbe[] = [];
  eachDigitRun(words, (run, startOfLonger) => {
    const keyed = STORED_PREFIX_LENGTHS.filter((n) => n <= run.length).at(-1);
    if (keyed !== undefined) probes.push(probeOf(run.slice(0, keyed)));
    else if (!startOfLonger && run.length >= STORED_WHOLE_DIGITS[0]) probes.push(probeOf(run));
  });
  return probes;
}

/**
 * Each maximal digit run of the query's words, and whether it ends the last word (so it may be the start
 * of a longer run in a message): what both kinds of probes are made from.
 */
function eachDigitRun(
  words: readonly string[] | null,
  visit: (run: string, endsLastWord: boolean) => void,
): void {
  if (words === null) return;
  words.forEach((word, k) => {
    const last = k === words.length - 1;
    for (const m of word.matchAll(/[0-9]+/g)) visit(m[0], last && m.index + m[0].length === word.length);
  });
}

function probeOf(digits: string): DigitProbe {
  let h = FNV_START;
  for (let i = 0; i < digits.length; i++) h = fnv(h, digits.charCodeAt(i));
  h = canonical(h);
  return { digits, h, h1: mix(h), h2: mix(h ^ 0x9e3779b9) | 1 };
}

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
  return new DigitRunSummary(keys.bloom(BITS_PER_KEY));
}

/**
 * Adds the keys of every digit run of a segment's messages (template texts, dictionary values, verbatim
 * messages, number columns) to `keys`, as its scheme keys them. False when no set of runs can be claimed:
 * a template joins digits across a slot's edge, or the vars block does not read as the index says.
 */
function collectKeys(
  meta: SegmentMeta,
  indexBlock: Uint8Array,
  varsBlock: () => Uint8Array,
  keys: KeyCollector,
): boolean {
  for (const t of meta.templates) {
    if (t.template === null) continue;
    const shape = templateShape(t.template);
    const runs = keys.stored ? shape.storedRuns : shape.runs;
    if (runs === null) return false;
    for (const h of runs) keys.addKey(h);
  }
  const shape = indexRuns(indexBlock, meta, keys);
  return numberRuns(varsBlock(), meta, shape, keys);
}

/**
 * What the summary needs of a template text: its wildcards, and the keys of its static digit runs (null
 * when it can join digits across a slot's edge). By template text, since the same templates recur in
 * segment after segment. Emptied when full.
 */
interface TemplateShape {
  wildcards: number;
  runs: number[] | null;
  /** The same as the stored filter keys them (`STORED_WHOLE_DIGITS`, `STORED_PREFIX_LENGTHS`). */
  storedRuns: number[] | null;
}

const recentTemplates = new Map<string, TemplateShape>();
const RECENT_TEMPLATES = 8_192;

function templateShape(template: string): TemplateShape {
  let shape = recentTemplates.get(template);
  if (shape === undefined) {
    const pieces = templatePieces(template);
    let runs: number[] | null = null;
    let storedRuns: number[] | null = null;
    if (!joinsDigits(pieces)) {
      const found = new KeyCollector();
      const stored = new KeyCollector(undefined, true);
      for (const piece of pieces) {
        found.addTextRuns(piece);
        stored.addTextRuns(piece);
      }
      runs = found.keys();
      storedRuns = stored.keys();
    }
    shape = { wildcards: pieces.length - 1, runs, storedRuns };
    if (recentTemplates.size >= RECENT_TEMPLATES) recentTemplates.clear();
    recentTemplates.set(template, shape);
  }
  return shape;
}

/**
 * Whether a template can join digits across a slot's edge: a static piece that ends or starts with a
 * digit beside a slot, or two slots with nothing between them.
 */
function joinsDigits(pieces: readonly string[]): boolean {
  const slots = pieces.length - 1;
  for (let k = 0; k < slots; k++) {
    const before = pieces[k]!;
    const after = pieces[k + 1]!;
    if (before === "" ? k > 0 : isDigit(before.charCodeAt(before.length - 1))) return true;
    if (after === "" ? k + 1 < slots : isDigit(after.charCodeAt(0))) return true;
  }
  return false;
}

/** The slot kinds per entry and the verbatim messages per entry that the index block lists. */
interface IndexRuns {
  numberSlots: boolean[][];
  verbatimPerEntry: Uint32Array;
}

/** Adds the digit runs of the index block's dictionary values and verbatim messages. */
function indexRuns(block: Uint8Array, meta: SegmentMeta, keys: KeyCollector): IndexRuns {
  const input = new ByteReader(block);
  const n = input.uint();
  if (n !== meta.templates.length) throw new Error("index and metadata disagree on the template entries");
  const numberSlots: boolean[][] = [];
  for (let e = 0; e < n; e++) {
    const template = meta.templates[e]!.template;
    const wildcards = template === null ? 0 : templateShape(template).wildcards;
    const kinds: boolean[] = [];
    for (let k = 0; k < wildcards; k++) {
      const at = input.pos;
      if (input.uint() !== KIND_DICTIONARY) {
        input.pos = at;
        readSlotStats(input);
        kinds.push(true);
        continue;
      }
      kinds.push(false);
      const count = input.uint();
      for (let v = 0; v < count; v++) {
        const length = input.uint();
        keys.addByteRuns(block, input.pos, input.pos + length);
        input.skip(length);
      }
    }
    numberSlots.push(kinds);
  }
  const verbatimPerEntry = new Uint32Array(n);
  const m = input.uint();
  for (let k = 0; k < m; k++) {
    const entry = input.uint();
    if (entry >= n) throw new RangeError("verbatim message of an unknown template entry");
    verbatimPerEntry[entry]!++;
    const length = input.uint();
    keys.addByteRuns(block, input.pos, input.pos + length);
    input.skip(length);
  }
  return { numberSlots, verbatimPerEntry };
}

/**
 * Adds the digit text of every number column value in the vars block (`readSlotCodes`'s layout, read in
 * place: a dictionary column's ids are skipped, a number column's values hashed as they are read). False
 * when the block does not read as the metadata and index say (the summary then claims nothing).
 */
function numberRuns(block: Uint8Array, meta: SegmentMeta, shape: IndexRuns, keys: KeyCollector): boolean {
  const input = new ByteReader(block);
  const verbatimCount = input.uint();
  for (let k = 0; k < verbatimCount; k++) input.uint();
  for (let e = 0; e < shape.numberSlots.length; e++) {
    const encoded = meta.templates[e]!.count - shape.verbatimPerEntry[e]!;
    if (encoded < 0) return false;
    for (const isNumber of shape.numberSlots[e]!) {
      if (!isNumber) {
        for (let r = 0; r < encoded; r++) input.uint();
        continue;
      }
      const flags = input.byte();
      const pads = (flags & 2) !== 0 ? padScratch(encoded) : null;
      if (pads) for (let r = 0; r < encoded; r++) pads[r] = input.uint();
      const delta = (flags & 1) !== 0;
      let prev = 0;
      for (let r = 0; r < encoded; r++) {
        const x = delta ? prev + input.int() : input.int();
        prev = x;
        keys.addNumber(x, pads ? pads[r]! : 0);
      }
    }
  }
  return input.done;
}

let pads = new Uint8Array(1 << 14);

/** A scratch array for a number column's leading-zero counts (read before its values). */
function padScratch(n: number): Uint8Array {
  if (pads.length < n) pads = new Uint8Array(n);
  return pads;
}

const FNV_START = 0x811c9dc5;

function fnv(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193) >>> 0;
}

/**
 * A filter position from a 32-bit hash: its share of `size` (a multiply, not a mask, so the filter needs
 * no power-of-two size: rounding up to one took a third more memory on average).
 */
function bitOf(hash: number, size: number): number {
  return Math.floor(((hash >>> 0) * size) / 4294967296);
}

/** The hash a key is filed under: the set stores hashes plus one, so the greatest one is filed as 0. */
function canonical(h: number): number {
  return h === 0xffffffff ? 0 : h;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * The distinct keys (FNV-1a of each digit run, and of its first digits to each of `PREFIX_LENGTHS` shorter)
 * of a segment, in an open-addressing set, then set in a filter sized for them: most runs recur (a number
 * column's values, a counter's digits), and a filter sized by every occurrence took three times the memory.
 */
class KeyCollector {
  #table: Uint32Array;
  #size = 0;
  readonly #digits = new Uint8Array(24);

  /**
   * `table`: a free set to fill (zeroed here), kept by the caller for the next segment. `stored`: key as
   * the stored filter does (`storedDigitProbes`), else as the in-memory summary does (`digitProbes`).
   */
  constructor(
    table?: Uint32Array,
    readonly stored = false,
  ) {
    if (table) table.fill(0);
    this.#table = table ?? new Uint32Array(64);
  }

  /** The set as it is now (grown, perhaps, past the one the constructor was given). */
  get table(): Uint32Array {
    return this.#table;
  }

  /** A key already hashed (`keys`). */
  addKey(h: number): void {
    this.#add(h);
  }

  /** The distinct keys added. */
  keys(): number[] {
    const out: number[] = [];
    const table = this.#table;
    for (let s = 0; s < table.length; s++) if (table[s] !== 0) out.push((table[s]! - 1) >>> 0);
    return out;
  }

  /** Maximal digit runs of bytes `from` to `to` of `bytes` (UTF-8: no other byte is an ASCII digit). */
  addByteRuns(bytes: Uint8Array, from: number, to: number): void {
    let i = from;
    while (i < to) {
      if (!isDigit(bytes[i]!)) {
        i++;
        continue;
      }
      let h = FNV_START;
      const start = i;
      for (; i < to && isDigit(bytes[i]!); i++) {
        h = fnv(h, bytes[i]!);
        if (i - start + 1 >= SHORTEST_PREFIX) this.#prefix(i - start + 1, h);
      }
      this.#endRun(i - start, h);
    }
  }

  /** Maximal digit runs of a text. */
  addTextRuns(text: string): void {
    let i = 0;
    while (i < text.length) {
      if (!isDigit(text.charCodeAt(i))) {
        i++;
        continue;
      }
      let h = FNV_START;
      const start = i;
      for (; i < text.length && isDigit(text.charCodeAt(i)); i++) {
        h = fnv(h, text.charCodeAt(i));
        if (i - start + 1 >= SHORTEST_PREFIX) this.#prefix(i - start + 1, h);
      }
      this.#endRun(i - start, h);
    }
  }

  /** A number column's value: `pad` zeros, then the digits of its magnitude (`numberText` without the sign). */
  addNumber(x: number, pad: number): void {
    const digits = this.#digits;
    let abs = x < 0 ? -x : x;
    let at = digits.length;
    do {
      const q = Math.floor(abs / 10);
      digits[--at] = 48 + (abs - q * 10);
      abs = q;
    } while (abs > 0 && at > 0);
    let h = FNV_START;
    let length = 0;
    for (let z = 0; z < pad; z++) {
      h = fnv(h, 48);
      if (++length >= SHORTEST_PREFIX) this.#prefix(length, h);
    }
    for (let k = at; k < digits.length; k++) {
      h = fnv(h, digits[k]!);
      if (++length >= SHORTEST_PREFIX) this.#prefix(length, h);
    }
    this.#endRun(length, h);
  }

  /** How many distinct keys were added. */
  get size(): number {
    return this.#size;
  }

  /** The filter of the keys added, `bitsPerKey` bits a key. */
  bloom(bitsPerKey: number, hashes = HASHES, seed = 0): Uint32Array {
    const words = Math.max(1, Math.ceil((this.#size * bitsPerKey) / 32));
    const bits = new Uint32Array(words);
    const size = words * 32;
    const table = this.#table;
    for (let s = 0; s < table.length; s++) {
      const stored = table[s]!;
      if (stored === 0) continue;
      // Keys are stored plus one (0 marks a free slot): undo it before hashing as a probe does.
      const h = (stored - 1) >>> 0;
      let at = mix(h ^ seed);
      const step = mix(h ^ seed ^ 0x9e3779b9) | 1;
      for (let k = 0; k < hashes; k++) {
        const bit = bitOf(at, size);
        bits[bit >>> 5]! |= 1 << (bit & 31);
        at = (at + step) | 0;
      }
    }
    return bits;
  }

  /** The hashes of the run being read at each of `PREFIX_LENGTHS` it reached (`#prefix`). */
  readonly #prefixes = new Uint32Array(PREFIX_LENGTHS.length);

  /** Notes the hash of a run's first `length` digits when `length` is one of `PREFIX_LENGTHS`. */
  #prefix(length: number, h: number): void {
    const k = PREFIX_LENGTHS.indexOf(length as (typeof PREFIX_LENGTHS)[number]);
    if (k >= 0) this.#prefixes[k] = h;
  }

  /**
   * Adds a run of `length` digits whose hash is `h`, and its prefixes shorter than it; as the stored
   * filter keys it: whole only at `STORED_WHOLE_DIGITS`, and its first `STORED_PREFIX_LENGTHS` digits
   * (for a run of exactly that length, its whole hash).
   */
  #endRun(length: number, h: number): void {
    if (this.stored) {
      if (length >= STORED_WHOLE_DIGITS[0] && length <= STORED_WHOLE_DIGITS[1]) this.#add(h);
      for (let k = 0; k < STORED_PREFIX_LENGTHS.length && STORED_PREFIX_LENGTHS[k]! <= length; k++)
        this.#add(this.#prefixes[k]!);
      return;
    }
    // No probe is a whole run shorter than `MIN_WHOLE_DIGITS` (`digitProbes`): most runs of a log line
    // are (addresses, ports, small counts), and keying them cost time and bits for nothing.
    if (length >= MIN_WHOLE_DIGITS) this.#add(h);
    for (let k = 0; k < PREFIX_LENGTHS.length && PREFIX_LENGTHS[k]! < length; k++)
      this.#add(this.#prefixes[k]!);
  }

  #add(h: number): void {
    // Stored plus one, so that 0 marks a free slot.
    const stored = canonical(h) + 1;
    let table = this.#table;
    if (2 * (this.#size + 1) > table.length) table = this.#grow();
    const mask = table.length - 1;
    let at = mix(stored) & mask;
    for (;;) {
      const s = table[at]!;
      if (s === stored) return;
      if (s === 0) {
        table[at] = stored;
        this.#size++;
        return;
      }
      at = (at + 1) & mask;
    }
  }

  #grow(): Uint32Array {
    const old = this.#table;
    const table = new Uint32Array(old.length * 2);
    const mask = table.length - 1;
    for (const stored of old) {
      if (stored === 0) continue;
      let at = mix(stored) & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = stored;
    }
    this.#table = table;
    return table;
  }
}
