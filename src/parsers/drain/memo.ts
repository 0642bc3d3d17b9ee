import type { Cluster } from "./cluster.js";
import { HashChains } from "./hash-chains.js";
import type { LineScanner } from "./scan.js";
import { type SkeletonEntry, SkeletonTable } from "./skeleton.js";

/** One memo entry: a line key (one matching key per token) and the cluster it matched last time. */
class MemoEntry {
  next: MemoEntry | null = null;
  /**
   * The keys' chars, concatenated, and where each key starts (`offs[p]` to `offs[p + 1]`): every hit
   * compares the line against them, and a typed array reads faster than a string per key.
   */
  readonly codes: Uint16Array;
  readonly offs: Int32Array;
  constructor(
    readonly hash: number,
    readonly keys: readonly string[],
    public cluster: Cluster,
  ) {
    const offs = new Int32Array(keys.length + 1);
    let total = 0;
    for (let p = 0; p < keys.length; p++) {
      total += keys[p]!.length;
      offs[p + 1] = total;
    }
    const codes = new Uint16Array(total);
    for (let p = 0; p < keys.length; p++) {
      const k = keys[p]!;
      const o = offs[p]!;
      for (let i = 0; i < k.length; i++) codes[o + i] = k.charCodeAt(i);
    }
    this.codes = codes;
    this.offs = offs;
  }
}

/**
 * Masked line → the cluster it matched last time: the fast path for repeated line shapes. Keyed by
 * the scanner's hash of the line key, and every hit is verified against the stored keys on the line's
 * chars, so a hash collision costs a comparison, never a wrong template. `size` counts distinct keys,
 * as a `Map` keyed by the joined key string would.
 */
export class LineMemo {
  private readonly table = new HashChains<MemoEntry>();
  /** The level before this one: line skeleton → entry, for lines that need no scan (`skeleton.ts`). */
  readonly skeletons = new SkeletonTable<SkeletonEntry>();
  /** Counts `clear` calls: an entry made before the last one may lead to a cluster the memo no longer would. */
  generation = 0;

  /** Distinct keys held, as a `Map` keyed by the joined key string would count them. */
  get size(): number {
    return this.table.size;
  }

  /** The entry whose keys equal the scanned line's, or null. */
  find(sc: LineScanner): MemoEntry | null {
    const n = sc.n;
    for (let e = this.table.first(sc.lineHash); e; e = e.next) {
      if (e.hash !== sc.lineHash) continue;
      if (e.keys.length === n && sc.keysEqual(e.keys, e.codes, e.offs)) return e;
    }
    return null;
  }

  /** Adds a key known to be absent. */
  add(hash: number, keys: readonly string[], cluster: Cluster): MemoEntry {
    const e = new MemoEntry(hash, keys, cluster);
    this.table.push(e);
    return e;
  }

  delete(entry: MemoEntry): void {
    this.table.delete(entry);
  }

  /** Empties the memo and the skeleton table that leads into it. */
  clear(): void {
    this.table.clear();
    this.skeletons.clear();
    this.generation++;
  }
}

export type { MemoEntry };
