import { endianness } from "node:os";
import type { TemplateParam } from "../../core/log-record.js";
import { isDigit } from "../chars.js";
import type { Cluster } from "./cluster.js";
import { type Chained, HashChains } from "./hash-chains.js";
import { WILDCARD } from "./mask.js";
import type { MemoEntry } from "./memo.js";
import type { StreamIndex } from "./stream-index.js";

/**
 * The line-skeleton memo: the miner's fast path before it scans a line at all.
 *
 * A line's skeleton is the line with each digit replaced by one mark, except a run's first digit
 * when an `x` or `X` follows it, which keeps its value. Every decision of the scanner, the masker and
 * the parameter typer depends only on the skeleton: they look at which chars are digits and how long
 * runs are, and the only digit value they read is a `0` before an `x` (`0x1f`, hex). So a line whose skeleton equals an
 * earlier line's has the same tokens, shapes, keys, memo entry and parameter spans and types, and
 * needs none of that work again: one pass over the line's chars writes its skeleton into a typed
 * array (lines are slices of larger strings, which V8 reads more slowly than a typed array), a pass
 * over that hashes it and one compares it with the entry's, and its parameters are sliced at the
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
const NO_PINS = new Int32Array(0);
/** The mark a digit becomes in a skeleton. */
const DIGIT = 48;

/** What a skeleton table keeps: a line's skeleton and its pinned digits, chained by hash. */
export interface Skeleton<E> extends Chained<E> {
  /** The skeleton (`skeletonOf`). */
  readonly skel: Uint16Array;
  /** The skeleton two chars at a time (`skeletonWords`). */
  readonly words: Int32Array;
  /** Digits a line must repeat: [offset, char]*. */
  readonly pins: Int32Array;
}

/**
 * The skeleton of the last line `skeletonInto` read, valid up to that line's length: shared by every
 * table (a lookup uses it before the next line is read). The line's UTF-16 code units are copied in
 * by `Buffer.write`, a native copy: on a line that is a slice of a larger string (what a line reader
 * makes), reading it char by char with `charCodeAt` took about 2.4 times as long. The typed array
 * views the buffer's memory, so the copy is only what it seems on a little-endian machine; elsewhere
 * the chars are read one by one.
 */
let buffer = Buffer.allocUnsafeSlow(512);
let scratch = new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.length >> 1);
/** `scratch` two chars at a time (`fits`). */
let scratchWords = new Int32Array(buffer.buffer, buffer.byteOffset, buffer.length >> 2);
const NATIVE_COPY = endianness() === "LE";

/**
 * Writes `line`'s skeleton into `scratch` and returns its hash. One loop, and a select rather than a
 * branch for digits: they come and go with no pattern a branch predictor learns, and the branchy loop
 * took twice as long. The `0x` case stays inline: a call there, reached on few lines, left TurboFan's
 * code without feedback for it, and a hash in two lanes (even and odd chars) with such a call was
 * deoptimised 150 times in one run of a scratch benchmark and took 1.6-1.8x as long in some runs.
 */
function skeletonInto(line: string): number {
  const n = line.length;
  if (n > scratch.length) {
    buffer = Buffer.allocUnsafeSlow(Math.max(2 * n, 2 * buffer.length));
    scratch = new Uint16Array(buffer.buffer, buffer.byteOffset, buffer.length >> 1);
    scratchWords = new Int32Array(buffer.buffer, buffer.byteOffset, buffer.length >> 2);
  }
  const s = scratch;
  if (NATIVE_COPY) buffer.write(line, 0, 2 * n, "utf16le");
  else for (let i = 0; i < n; i++) s[i] = line.charCodeAt(i);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < n; i++) {
    const c = s[i]!;
    const m = (c - 48) >>> 0 < 10 ? DIGIT : c;
    s[i] = m;
    h = Math.imul(h ^ m, 0x01000193);
    if ((c | 32) === 120 && i > 0 && s[i - 1] === DIGIT && (i < 2 || s[i - 2] !== DIGIT)) {
      // `0x…`: a digit that starts its run (a run of one) before an `x` keeps its value, and the
      // hash takes it too. The char before it is a digit only if it became the mark (a digit keeps
      // its value only before an `x`).
      const d = line.charCodeAt(i - 1);
      s[i - 1] = d;
      h = Math.imul(h ^ d, 0x01000193);
    }
  }
  return h;
}

/**
 * A skeleton's chars two at a time, to compare it with `scratch` in half the steps (`fits`). A
 * skeleton is a typed array of its own (`skeletonOf`), so its memory starts 4-byte aligned.
 */
export function skeletonWords(skel: Uint16Array): Int32Array {
  return new Int32Array(skel.buffer, skel.byteOffset, skel.length >> 1);
}

/** The miner's entry: where a line of the skeleton goes, and where its parameters sit. */
export class SkeletonEntry implements Skeleton<SkeletonEntry> {
  next: SkeletonEntry | null = null;
  readonly words: Int32Array;
  constructor(
    readonly hash: number,
    readonly skel: Uint16Array,
    readonly pins: Int32Array,
    readonly stream: StreamIndex,
    readonly memo: MemoEntry,
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
    stream: StreamIndex,
    memo: MemoEntry,
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

/** `line`'s skeleton: digits as one mark, but a run's first digit before an `x` or `X` as itself. */
export function skeletonOf(line: string): Uint16Array {
  skeletonInto(line);
  return scratch.slice(0, line.length);
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

  /** The entry whose skeleton the line has (checked char by char), or null. */
  find(line: string): E | null {
    if (this.pause > 0 || line.length > MAX_LINE) {
      if (this.pause > 0) this.pause--;
      this.skipped = true;
      return null;
    }
    this.skipped = false;
    const h = skeletonInto(line);
    this.lastHash = h;
    if (++this.lookups === WINDOW) this.review();
    const n = line.length;
    for (let e = this.chains.first(h); e; e = e.next) {
      if (e.hash === h && e.skel.length === n && fits(e, line)) {
        this.hits++;
        return e;
      }
    }
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
  const s = scratchWords;
  for (let i = 0; i < words.length; i++) if (s[i] !== words[i]) return false;
  const n = e.skel.length;
  if ((n & 1) === 1 && scratch[n - 1] !== e.skel[n - 1]) return false;
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
  return t.indexOf(WILDCARD) < 0 || hasDigit(t);
}

function digitFreePieces(pieces: readonly (readonly string[] | null)[]): boolean {
  return pieces.every((pc) => pc === null || !pc.some(hasDigit));
}

function hasDigit(t: string): boolean {
  for (let i = 0; i < t.length; i++) if (isDigit(t.charCodeAt(i))) return true;
  return false;
}
