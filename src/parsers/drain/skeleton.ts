import type { TemplateParam } from "../../core/template.js";
import { growMemoryTo } from "../../core/wasm.js";
import { digitFree, isDigit } from "../chars.js";
import type { Cluster } from "./cluster.js";
import { type Chained, HashChains } from "./hash-chains.js";
import { WILDCARD } from "./mask.js";
import { KERNEL_HAS_HIGH, KERNEL_HASH, loadSkeletonKernel, type SkeletonKernel } from "./skeleton-kernel.js";

/**
 * The line-skeleton memo: the miner's fast path before it scans a line at all.
 *
 * A line's skeleton is the line with each digit replaced by one mark, except a run's first digit
 * when an `x` or `X` follows it, which keeps its value. Every decision of the scanner, the masker and
 * the parameter typer depends only on the skeleton: they look at which chars are digits and how long
 * runs are, and the only digit value they read is a `0` before an `x` (`0x1f`, hex). So a line whose skeleton equals an
 * earlier line's has the same tokens, shapes, keys, memo entry and parameter spans and types, and
 * needs none of that work again: the line is copied into a typed array as UTF-8 (lines are slices of
 * larger strings, which V8 reads more slowly than a typed array), one pass over its words writes and
 * hashes its skeleton and one compares it with the entry's, and its parameters are sliced at the
 * stored offsets (same skeleton, same length, same offsets).
 *
 * Two things do depend on digit values, and the entry pins them:
 * - a template's literal tokens that may still widen (`eth0`, `ssh2`, the cluster's `watch`): a
 *   line with `eth1` there changes the template, so those tokens' digits must be equal (`pins`);
 * - literal pieces of a shaped parameter token that hold a digit: no entry is made for those.
 *
 * An entry is valid while its memo entry points at the same live cluster, and that
 * cluster's template has not changed since (its `paramPieces` array is replaced whenever it does, and
 * a rollback empties the memo, this table with it). It is made only from a line the cluster matched
 * without changing, so the next line of the skeleton would match it without change too: the fast
 * path gives what the memo path gives, which the miner's golden digests check.
 */

/**
 * Entries a table keeps before it is dropped and rebuilt from traffic (as the memo is). An entry is
 * about half a kilobyte (its line's skeleton, spans and types), so a stream's table stays under about
 * 8 MB; the ten LogHub datasets have 2,800 skeletons in all.
 */
const TABLE_LIMIT = 16_384;
/**
 * Longer lines skip the tables: an entry holds a copy of its line's skeleton, and such lines (stack
 * traces, payloads) rarely repeat one.
 */
const MAX_LINE = 2048;
/** Lookups between two checks of the hit rate. */
const WINDOW = 4096;
/**
 * Below this share of hits the skeletons of a stream do not repeat (hex ids, hashes): its lines skip
 * the table for `PAUSE` lines, and the table's hash pass costs them nothing.
 */
const MIN_HIT_SHARE = 0.25;
const PAUSE = 65_536;
/** Entries kept per skeleton (lines that differ only in pinned digits). */
const MAX_VARIANTS = 4;
/** The pins of an entry with none, shared. */
export const NO_PINS = new Int32Array(0);
/** The mark a digit becomes in a skeleton. */
const DIGIT = 48;

/** What a skeleton table keeps: a line's skeleton and its pinned digits, chained by hash. */
export interface Skeleton<E> extends Chained<E> {
  /** The skeleton (`skeletonOf`). */
  readonly skel: Uint8Array;
  /** The skeleton four bytes at a time (`skeletonWords`). */
  readonly words: Int32Array;
  /** Digits a line must repeat: [offset, char]*. */
  readonly pins: Int32Array;
}

/** Bytes of UTF-8 for one UTF-16 code unit, at most (a pair of surrogates takes 4 for 2). */
const UTF8_PER_UNIT = 3;
/**
 * Bytes kept past a line's last byte: the kernel reads and writes whole 16-byte blocks (the JavaScript
 * loop whole 4-byte words, and zeroes the part of the last one past the line).
 */
const TAIL = 16;
/**
 * Chars of text `encodeWindow` copies into the kernel's memory at once: the lines of a text are then
 * found without a copy of each (`encodeInto` costs about 45 ns a call before its first byte).
 */
export const WINDOW_CHARS = 32_768;
/** Bytes of kernel memory before the scratch buffer: the window (ASCII: a byte a char) and its tail. */
const WINDOW_REGION = WINDOW_CHARS + TAIL;

/** The WebAssembly kernel (`skeleton-kernel.ts`), null under `node --jitless`: the JavaScript loop then. */
const loaded: SkeletonKernel | null = loadSkeletonKernel();
/** The kernel in use: `loaded`, or null for the JavaScript loop. */
let kernel = loaded;

/**
 * Which loop makes skeletons, process-wide: tests compare the two. Tables filled before a switch miss
 * afterwards (the hashes differ), which costs them their entries, never a wrong match.
 */
export function setSkeletonKernel(which: "wasm" | "js"): void {
  if (which === "wasm" && loaded === null) throw new Error("WebAssembly is not available in this runtime");
  kernel = which === "wasm" ? loaded : null;
  scratch = new SkelBuffer(scratch.capacity);
  windows++;
}

/**
 * The last line `skeletonInto` read: its UTF-8 bytes (`encodeInto`, a native copy: on a line that is
 * a slice of a larger string, what a line reader makes, reading it char by char with `charCodeAt` took
 * two to four times as long), and its skeleton. With the kernel both live in its memory, after the
 * window (`encodeWindow`), the bytes at `inAt` and the skeleton at `out`; without, in arrays of their
 * own. Shared by every table: a lookup uses it before the next line is read.
 */
const encoder = new TextEncoder();
class SkelBuffer {
  /** The line's UTF-8, and `TAIL` bytes of room past it (the JavaScript loop zeroes its last word's). */
  readonly bytes: Uint8Array;
  readonly byteWords: Int32Array;
  /** Its skeleton, the same length. */
  readonly skel: Uint8Array;
  readonly words: Int32Array;
  /** Where the line's bytes and its skeleton start in the kernel's memory. */
  readonly inAt: number;
  readonly out: number;
  /** The window's view (`encodeWindow`), with the kernel. */
  readonly window: Uint8Array | null;
  /** Bytes of the last line. */
  size = 0;
  /** `capacity`: a multiple of 16. */
  constructor(readonly capacity: number) {
    const base = kernel === null ? 0 : WINDOW_REGION;
    const buffer =
      kernel === null ? new ArrayBuffer(2 * capacity) : growMemoryTo(kernel.memory, base + 2 * capacity);
    this.inAt = base;
    this.out = base + capacity;
    this.window = kernel === null ? null : new Uint8Array(buffer, 0, WINDOW_CHARS);
    this.bytes = new Uint8Array(buffer, base, capacity);
    this.byteWords = new Int32Array(buffer, base, capacity >> 2);
    this.skel = new Uint8Array(buffer, base + capacity, capacity);
    this.words = new Int32Array(buffer, base + capacity, capacity >> 2);
  }
}
let scratch = new SkelBuffer(8192);
/** Windows encoded so far: a caller's window is its own while this is the count it was given. */
let windows = 0;

/**
 * Copies text[from, to) (at most `WINDOW_CHARS` chars) into the kernel's memory at once, for lookups
 * of its lines (`SkeletonTable.find`'s `at`: the window's `at` plus the line's chars from `from`). -1
 * when it cannot serve: no kernel, or text not all ASCII (where chars and bytes part ways), whose lines
 * are copied one by one. A window stays until the next one: `windowGeneration` tells whether it did.
 */
export function encodeWindow(text: string, from: number, to: number): number {
  windows++;
  const view = scratch.window;
  if (view === null || to - from > WINDOW_CHARS) return -1;
  const r = encoder.encodeInto(text.slice(from, to), view);
  // All ASCII exactly when every char read gave one byte (no char was left for want of room).
  return r.read === to - from && r.written === to - from ? 0 : -1;
}

/** Changes with every `encodeWindow`: a window's lines are found in it while this is unchanged. */
export function windowGeneration(): number {
  return windows;
}

/**
 * Writes `line`'s skeleton into `scratch` and returns its hash, or -1 when the line holds a lone
 * surrogate (UTF-8 writes every one as U+FFFD, so two such lines could share bytes and differ).
 *
 * The skeleton is made of the line's UTF-8: by the kernel sixteen bytes a step, or by `skeletonOfBytes`
 * four. Equal skeletons of UTF-8 are equal skeletons of the line's chars: the encoding is one to one on
 * well-formed text, and a digit is the same one byte in both. Both keep the first digit of a run before
 * an `x` or `X` (`keepHexDigits`, the kernel's `$keepHex`), and hash the skeleton as finally written.
 *
 * `at` >= 0: the line's bytes are in the kernel's memory there already (`encodeWindow`), all ASCII.
 */
function skeletonInto(line: string, at = -1): number {
  const n = line.length;
  const k = kernel;
  if (at >= 0 && k !== null && n + TAIL <= scratch.capacity) {
    scratch.size = n;
    return k.skel(at, n, scratch.out) & KERNEL_HASH;
  }
  if (UTF8_PER_UNIT * n + TAIL > scratch.capacity)
    scratch = new SkelBuffer(((UTF8_PER_UNIT * n + TAIL) * 2 + 15) & ~15);
  const sb = scratch;
  const size = encoder.encodeInto(line, sb.bytes).written;
  sb.size = size;
  if (k === null) return skeletonOfBytes(sb, line);
  const r = k.skel(sb.inAt, size, sb.out);
  if ((r & KERNEL_HAS_HIGH) !== 0 && !isWellFormed(line)) return -1;
  return r & KERNEL_HASH;
}

/**
 * `skeletonInto` without the kernel: four bytes a step (an `Int32Array` over them), with no branch per
 * char. Per byte lane, whether it is a digit (`0x30`-`0x39`, a byte below `0x80`) comes from two
 * lane-wise subtractions that cannot borrow across lanes once each lane's top bit is set, and a digit's
 * lane loses its low four bits, which makes it `0` (`DIGIT`). A lane that is `x` or `X` (exact
 * zero-lane test) sends the line through `keepHexDigits`. Against the char-by-char loop this replaced
 * (UTF-16 units copied by `Buffer.write`, one select a char): 0.65 of its time on bench:parse's raw
 * lines, and half the bytes an entry keeps for an ASCII line's skeleton.
 */
function skeletonOfBytes(sb: SkelBuffer, line: string): number {
  const size = sb.size;
  // Zero the last word's bytes past the line, so whole words compare and hash alike.
  const bytes = sb.bytes;
  bytes[size] = 0;
  bytes[size + 1] = 0;
  bytes[size + 2] = 0;
  const src = sb.byteWords;
  const dst = sb.words;
  const nw = (size + 3) >> 2;
  let h = 0x811c9dc5 | 0;
  let xs = 0;
  let high = 0;
  for (let i = 0; i < nw; i++) {
    const v = src[i]!;
    const t = v | 0x80808080;
    const digits = (t - 0x30303030) & ~(t - 0x3a3a3a3a) & ~v & 0x80808080;
    const m = v & ~((digits >>> 7) * 0x0f);
    dst[i] = m;
    h = Math.imul(h ^ m, 0x01000193);
    const e = (v | 0x20202020) ^ 0x78787878;
    xs |= ~(((e & 0x7f7f7f7f) + 0x7f7f7f7f) | e);
    high |= v;
  }
  if ((high & 0x80808080) !== 0 && !isWellFormed(line)) return -1;
  if ((xs & 0x80808080) !== 0 && keepHexDigits(sb)) {
    h = 0x811c9dc5 | 0;
    for (let i = 0; i < nw; i++) h = Math.imul(h ^ dst[i]!, 0x01000193);
  }
  // Avalanche (murmur3's finish): word-wise FNV leaves the low bits to the words' low bytes alone.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x7fffffff;
}

/**
 * A run's first digit before an `x` or `X` keeps its value (`0x1f`: the scanner reads hex there).
 * Whether anything changed.
 */
function keepHexDigits(sb: SkelBuffer): boolean {
  const s = sb.skel;
  const src = sb.byteWords;
  let kept = false;
  const nw = (sb.size + 3) >> 2;
  for (let w = 0; w < nw; w++) {
    // Only the words with an `x` or `X` (the zero-lane test of `skeletonInto`) are read byte by byte.
    // The test is written out in both: as one function called per word of the hot loop, mining message
    // bodies took 0.955x the lines per CPU-second (one run of 9 alternated rounds).
    const e = (src[w]! | 0x20202020) ^ 0x78787878;
    if ((~(((e & 0x7f7f7f7f) + 0x7f7f7f7f) | e) & 0x80808080) === 0) continue;
    const end = Math.min(4 * w + 4, sb.size);
    for (let i = Math.max(1, 4 * w); i < end; i++) {
      if ((s[i]! | 32) === 120 && s[i - 1] === DIGIT && (i < 2 || s[i - 2] !== DIGIT)) {
        s[i - 1] = sb.bytes[i - 1]!;
        kept = true;
      }
    }
  }
  return kept;
}

const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A skeleton's bytes four at a time, to compare it with `scratch` in a quarter of the steps (`fits`):
 * the skeleton views the start of a buffer whose length is a multiple of 4, zero past its end.
 */
export function skeletonWords(skel: Uint8Array): Int32Array {
  return new Int32Array(skel.buffer, skel.byteOffset, (skel.length + 3) >> 2);
}

/**
 * What an entry keeps of its stream (`StreamIndex`) and its memo entry (`MemoEntry`, `memo.ts`): the
 * stream to compare with and its memo's generation, the memo entry's cluster. Declared here, so that
 * this table, which the memo holds, need not import the memo and the stream back.
 */
interface EntryStream {
  readonly memo: { readonly generation: number };
}
interface EntryMemo {
  readonly cluster: Cluster;
}

/** The miner's entry: where a line of the skeleton goes, and where its parameters sit. */
export class SkeletonEntry implements Skeleton<SkeletonEntry> {
  next: SkeletonEntry | null = null;
  readonly words: Int32Array;
  constructor(
    readonly hash: number,
    readonly skel: Uint8Array,
    readonly pins: Int32Array,
    readonly stream: EntryStream,
    readonly memo: EntryMemo,
    /** The memo's `generation` when the entry was made: an emptied memo leaves the entry stale. */
    readonly generation: number,
    readonly cluster: Cluster,
    /** The cluster's `paramPieces` when the entry was made: replaced whenever its template changes. */
    readonly pieces: readonly (readonly string[] | null)[],
    /** Parameter `k` is the line's chars `spans[2k]` to `spans[2k + 1]`. */
    readonly spans: Int32Array,
    readonly types: readonly (string | null)[],
  ) {
    this.words = skeletonWords(skel);
  }

  /** The parameters of a line that matched this entry, its message starting at `offset` of `line`. */
  params(line: string, offset = 0): TemplateParam[] {
    const types = this.types;
    const spans = this.spans;
    const out = new Array<TemplateParam>(types.length);
    for (let k = 0; k < types.length; k++)
      out[k] = { value: line.slice(offset + spans[2 * k]!, offset + spans[2 * k + 1]!), type: types[k]! };
    return out;
  }

  /**
   * An entry for `line` (matched to `cluster` through `memo` without changing it), or null when its
   * cluster's shaped parameters have a digit in their literal pieces. `tokenStart`/`tokenEnd` give the
   * line's token spans, `spans` and `params` its parameters as `extractParams` cut them.
   */
  static of(
    hash: number,
    line: string,
    stream: EntryStream,
    memo: EntryMemo,
    cluster: Cluster,
    tokenStart: Int32Array,
    tokenEnd: Int32Array,
    spans: Int32Array,
    params: readonly TemplateParam[],
  ): SkeletonEntry | null {
    if (!digitFreePieces(cluster.paramPieces)) return null;
    const pins: number[] = [];
    for (const p of cluster.watch) {
      if (!pinned(cluster.tpl[p]!)) continue;
      for (let i = tokenStart[p]!; i < tokenEnd[p]!; i++) {
        const c = line.charCodeAt(i);
        if (isDigit(c)) pins.push(i, c);
      }
    }
    return new SkeletonEntry(
      hash,
      skeletonOf(line),
      pins.length === 0 ? NO_PINS : Int32Array.from(pins),
      stream,
      memo,
      stream.memo.generation,
      cluster,
      cluster.paramPieces,
      spans.slice(0, 2 * params.length),
      params.map((p) => p.type),
    );
  }
}

/**
 * `line`'s skeleton (of its UTF-8): digits as one mark, but a run's first digit before an `x` or `X`
 * as itself; over a buffer of whole words, zero past the end (`skeletonWords`).
 */
export function skeletonOf(line: string): Uint8Array {
  skeletonInto(line);
  const size = scratch.size;
  const words = (size + 3) >> 2;
  const out = new Uint8Array(4 * words);
  out.set(scratch.skel.subarray(0, 4 * words));
  return out.subarray(0, size);
}

/** Skeletons by hash, each lookup checked char by char; it pauses where skeletons do not repeat. */
export class SkeletonTable<E extends Skeleton<E>> {
  private readonly chains = new HashChains<E>();
  /** Skeleton hash of the last line `find` looked up (valid when `skipped` is false). */
  lastHash = 0;
  /** Whether the last `find` skipped the lookup (a paused table): no entry can be made for that line. */
  skipped = false;
  private lookups = 0;
  private hits = 0;
  private pause = 0;

  get size(): number {
    return this.chains.size;
  }

  /**
   * The entry whose skeleton the line has (checked char by char), or null. `at` >= 0: where the line's
   * bytes are in the kernel's memory (`encodeWindow`).
   */
  find(line: string, at = -1): E | null {
    if (this.pause > 0 || line.length > MAX_LINE) {
      if (this.pause > 0) this.pause--;
      this.skipped = true;
      return null;
    }
    const h = skeletonInto(line, at);
    if (h < 0) {
      this.skipped = true;
      return null;
    }
    this.skipped = false;
    this.lastHash = h;
    if (++this.lookups === WINDOW) this.review();
    const e = this.#match(this.chains.first(h), line);
    if (e !== null) this.hits++;
    return e;
  }

  /**
   * The next entry after `e` (which `find` or `findNext` gave for `line`, nothing read since) with the
   * line's skeleton: one that differs in what the skeleton does not say (pinned digits, or a caller's
   * own checks, such as a header's digit-valued time kinds), or null.
   */
  findNext(e: E, line: string): E | null {
    return this.#match(e.next, line);
  }

  #match(from: E | null, line: string): E | null {
    const h = this.lastHash;
    const n = scratch.size;
    for (let e = from; e; e = e.next) if (e.hash === h && e.skel.length === n && fits(e, line)) return e;
    return null;
  }

  /** Adds an entry (its hash from the `find` that missed it). */
  add(e: E): void {
    if (this.chains.size >= TABLE_LIMIT) this.chains.clear();
    const head = this.chains.push(e);
    // Lines of one skeleton that differ in pinned digits (`eth0`, `eth1`) get an entry each; a
    // skeleton with many such variants keeps its newest few, so no chain grows with the traffic.
    let same = 0;
    for (let x = head; x; x = x.next) {
      if (x.hash !== e.hash || ++same < MAX_VARIANTS) continue;
      this.chains.delete(x);
      break;
    }
  }

  delete(entry: E): void {
    this.chains.delete(entry);
  }

  clear(): void {
    this.chains.clear();
  }

  private review(): void {
    if (this.hits < this.lookups * MIN_HIT_SHARE) this.pause = PAUSE;
    this.lookups = 0;
    this.hits = 0;
  }
}

/** Whether `line`, whose skeleton is in `scratch`, has the entry's skeleton and pinned digits. */
function fits<E>(e: Skeleton<E>, line: string): boolean {
  const words = e.words;
  const s = scratch.words;
  for (let i = 0; i < words.length; i++) if (s[i] !== words[i]) return false;
  const pins = e.pins;
  for (let k = 0; k < pins.length; k += 2) if (line.charCodeAt(pins[k]!) !== pins[k + 1]) return false;
  return true;
}

/**
 * Whether a watched template token pins its line token's digits. A literal one (`eth0`) does: the
 * miner compares the token's text with it, and other digits widen the template. A pattern (`user=<*>`)
 * is compared by shape, which the skeleton decides, unless it holds a digit a token's text could equal.
 */
function pinned(t: string): boolean {
  return t.indexOf(WILDCARD) < 0 || !digitFree(t);
}

function digitFreePieces(pieces: readonly (readonly string[] | null)[]): boolean {
  return pieces.every((pc) => pc === null || pc.every(digitFree));
}
