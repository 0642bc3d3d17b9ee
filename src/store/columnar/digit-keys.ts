import { ByteReader } from "./byte-reader.js";
import { mix } from "./fuse-filter.js";
import type { SegmentMeta } from "./segment-meta.js";
import { KIND_DICTIONARY, readSlotStats } from "./slot-column.js";
import { templatePieces } from "./template-pieces.js";

/**
 * The keys of digit runs, as the in-memory summary (`digit-runs.ts`, which says why a digit run is enough)
 * and the stored filter (`stored-digit-filter.ts`) hold them: collected from a segment's blocks
 * (`collectKeys` into a `KeyCollector`), and probed for by a query's words (`digitProbes`,
 * `storedDigitProbes`).
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

/**
 * Adds the keys of every digit run of a segment's messages (template texts, dictionary values, verbatim
 * messages, number columns) to `keys`, as its scheme keys them. False when no set of runs can be claimed:
 * a template joins digits across a slot's edge, or the vars block does not read as the index says.
 */
export function collectKeys(
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
export function bitOf(hash: number, size: number): number {
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
export class KeyCollector {
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

  /** The filter of the keys added, `bitsPerKey` bits a key, `hashes` bits set for each. */
  bloom(bitsPerKey: number, hashes: number, seed = 0): Uint32Array {
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
