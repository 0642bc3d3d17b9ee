import type { TemplateParam } from "../../core/log-record.js";
import { isDigit } from "../chars.js";
import type { Cluster } from "./cluster.js";
import { WILDCARD } from "./mask.js";
import type { MemoEntry } from "./memo.js";

/**
 * The line-skeleton memo: the miner's fast path before it scans a line at all.
 *
 * A line's skeleton is the line with each digit replaced by one mark, except a run's first digit
 * when an `x` or `X` follows it, which keeps its value. Every decision of the scanner, the masker and
 * the parameter typer depends only on the skeleton: they look at which chars are digits and how long
 * runs are, and the only digit value they read is a `0` before an `x` (`0x1f`, hex). So a line whose skeleton equals an
 * earlier line's has the same tokens, shapes, keys, memo entry and parameter spans and types, and
 * needs none of that work again: one pass hashes it, one pass checks it char by char, and its
 * parameters are sliced at the stored offsets (same skeleton, same length, same offsets).
 *
 * Two things do depend on digit values, and the entry pins them:
 * - a template's literal tokens that may still widen (`eth0`, `port 22`, the cluster's `watch`): a
 *   line with `eth1` there changes the template, so those tokens' digits must be equal;
 * - literal pieces of a shaped parameter token that hold a digit: no entry is made for those.
 *
 * An entry is valid while its memo entry points at the same live cluster, and that
 * cluster's template has not changed since (its `paramPieces` array is replaced whenever it does, and
 * a rollback empties the memo, this table with it). It is made only from a line the cluster matched
 * without changing, so the next line of the skeleton would match it without change too: the fast
 * path gives what the memo path gives, which the miner's golden digests check.
 */

/** Rules per char of an entry's line: the char must be equal, or be any digit. */
const SAME = 0;
const ANY_DIGIT = 1;

/** Entries kept per stream before the table is dropped and rebuilt from traffic (as the memo is). */
const TABLE_LIMIT = 50_000;
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

export class SkeletonEntry {
  next: SkeletonEntry | null = null;
  constructor(
    readonly hash: number,
    readonly codes: Uint16Array,
    readonly rules: Uint8Array,
    readonly memo: MemoEntry,
    readonly cluster: Cluster,
    /** The cluster's `paramPieces` when the entry was made: replaced whenever its template changes. */
    readonly pieces: readonly (readonly string[] | null)[],
    /** Parameter `k` is the line's chars `spans[2k]` to `spans[2k + 1]`. */
    readonly spans: Int32Array,
    readonly types: readonly (string | null)[],
  ) {}

  /** The parameters of a line that matched this entry. */
  params(line: string): TemplateParam[] {
    const types = this.types;
    const spans = this.spans;
    const out = new Array<TemplateParam>(types.length);
    for (let k = 0; k < types.length; k++)
      out[k] = { value: line.slice(spans[2 * k]!, spans[2 * k + 1]!), type: types[k]! };
    return out;
  }
}

export class SkeletonTable {
  private readonly table = new Map<number, SkeletonEntry>();
  size = 0;
  /** Skeleton hash of the last line `find` looked up; -1 set in `skipped` when it did not look. */
  lastHash = 0;
  /** Whether the last `find` skipped the lookup (a paused stream): no entry can be made for that line. */
  skipped = false;
  private lookups = 0;
  private hits = 0;
  private pause = 0;

  /** The entry whose skeleton the line has (checked char by char), or null. */
  find(line: string): SkeletonEntry | null {
    if (this.pause > 0) {
      this.pause--;
      this.skipped = true;
      return null;
    }
    this.skipped = false;
    const h = skeletonHash(line);
    this.lastHash = h;
    if (++this.lookups === WINDOW) this.review();
    for (let e = this.table.get(h & 0x3fffffff) ?? null; e; e = e.next) {
      if (e.hash === h && e.codes.length === line.length && fits(e, line)) {
        this.hits++;
        return e;
      }
    }
    return null;
  }

  /**
   * Remembers `line` (just looked up by `find`, and matched to `cluster` through `memo` without
   * changing it). `tokenStart`/`tokenEnd` give the line's token spans, `spans` and `params` its
   * parameters as `extractParams` cut them.
   */
  add(
    line: string,
    memo: MemoEntry,
    cluster: Cluster,
    tokenStart: Int32Array,
    tokenEnd: Int32Array,
    spans: Int32Array,
    params: readonly TemplateParam[],
  ): void {
    if (this.skipped || !digitFreePieces(cluster.paramPieces)) return;
    if (this.size >= TABLE_LIMIT) this.clear();
    const n = line.length;
    const codes = new Uint16Array(n);
    const rules = new Uint8Array(n);
    let inRun = false;
    for (let i = 0; i < n; i++) {
      const c = line.charCodeAt(i);
      codes[i] = c;
      if (isDigit(c)) {
        if (inRun || !hexMarkAt(line, i + 1)) rules[i] = ANY_DIGIT;
        inRun = true;
      } else inRun = false;
    }
    for (const p of cluster.watch)
      if (pinned(cluster.tpl[p]!)) rules.fill(SAME, tokenStart[p]!, tokenEnd[p]!);
    const types = params.map((p) => p.type);
    const e = new SkeletonEntry(
      this.lastHash,
      codes,
      rules,
      memo,
      cluster,
      cluster.paramPieces,
      spans.slice(0, 2 * params.length),
      types,
    );
    const k = this.lastHash & 0x3fffffff;
    const head = this.table.get(k) ?? null;
    e.next = head;
    this.table.set(k, e);
    this.size++;
    // Lines of one skeleton that differ in pinned digits (`port 22`, `port 2222`) get an entry each; a
    // skeleton with many such variants keeps its newest few, so no chain grows with the traffic.
    let same = 0;
    for (let x = head, prev: SkeletonEntry = e; x; prev = x, x = x.next) {
      if (x.hash !== e.hash || ++same < MAX_VARIANTS) continue;
      prev.next = x.next;
      this.size--;
      break;
    }
  }

  delete(entry: SkeletonEntry): void {
    const k = entry.hash & 0x3fffffff;
    let prev: SkeletonEntry | null = null;
    for (let e = this.table.get(k) ?? null; e; prev = e, e = e.next) {
      if (e !== entry) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.table.set(k, e.next);
      else this.table.delete(k);
      this.size--;
      return;
    }
  }

  clear(): void {
    this.table.clear();
    this.size = 0;
  }

  private review(): void {
    if (this.hits < this.lookups * MIN_HIT_SHARE) this.pause = PAUSE;
    this.lookups = 0;
    this.hits = 0;
  }
}

/** FNV-1a over the line's skeleton: each digit as 1, but a run's first digit before `x`/`X` as itself. */
export function skeletonHash(line: string): number {
  let h = 0x811c9dc5 | 0;
  let inRun = false;
  const n = line.length;
  for (let i = 0; i < n; i++) {
    let c = line.charCodeAt(i);
    if (c <= 57 && c >= 48) {
      if (inRun || !hexMarkAt(line, i + 1)) c = 1;
      inRun = true;
    } else inRun = false;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h;
}

function hexMarkAt(line: string, i: number): boolean {
  return (line.charCodeAt(i) | 32) === 120;
}

/** Whether `line` (as long as the entry's) has the entry's skeleton and its pinned digits. */
function fits(e: SkeletonEntry, line: string): boolean {
  const codes = e.codes;
  const rules = e.rules;
  const n = codes.length;
  for (let i = 0; i < n; i++) {
    const c = line.charCodeAt(i);
    const s = codes[i]!;
    if (c === s) continue;
    const r = rules[i]!;
    if (r === SAME || c < 48 || c > 57) return false;
  }
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
