import type { Cluster } from "./cluster.js";
import { LineMemo } from "./memo.js";

/** Everything the miner knows about one stream: its own clusters, indexes, LRU order and lineage. */
export class StreamIndex {
  readonly byId = new Map<string, Cluster>();
  /** Exact key string → cluster (at most one live cluster per key). */
  readonly byKey = new Map<string, Cluster>();
  /** Token count → clusters of that length (the first level of the Drain tree). */
  readonly byLength = new Map<number, Cluster[]>();
  /** "length:position:hash of the key without that position" → clusters that differ only there. */
  readonly siblings = new Map<string, Cluster[]>();
  /** Masked line → the cluster it matched last time: the fast path for repeated line shapes. */
  readonly memo = new LineMemo();
  /** Old id → newer id. */
  readonly lineage = new Map<string, string>();
  head: Cluster | null = null;
  tail: Cluster | null = null;
  size = 0;

  constructor(readonly name: string) {}

  /** Appends at the most-recent end of the LRU list. */
  linkTail(c: Cluster): void {
    c.prev = this.tail;
    c.next = null;
    if (this.tail) this.tail.next = c;
    else this.head = c;
    this.tail = c;
  }

  unlink(c: Cluster): void {
    if (c.prev) c.prev.next = c.next;
    else if (this.head === c) this.head = c.next;
    if (c.next) c.next.prev = c.prev;
    else if (this.tail === c) this.tail = c.prev;
    c.prev = null;
    c.next = null;
  }

  /** Links `c` right after `prev` (at the head when null): how an undone touch goes back to its place. */
  linkAfter(c: Cluster, prev: Cluster | null): void {
    const next = prev ? prev.next : this.head;
    c.prev = prev;
    c.next = next;
    if (prev) prev.next = c;
    else this.head = c;
    if (next) next.prev = c;
    else this.tail = c;
  }

  touch(c: Cluster): void {
    if (this.tail === c) return;
    this.unlink(c);
    this.linkTail(c);
  }

  addLineage(from: string, to: string, max: number): void {
    if (from === to) return;
    this.lineage.delete(from);
    this.lineage.set(from, to);
    while (this.lineage.size > max) {
      const oldest = this.lineage.keys().next().value;
      if (oldest === undefined) break;
      this.lineage.delete(oldest);
    }
  }

  resolve(id: string): string {
    let cur = id;
    // Bounded walk: lineage is acyclic by construction, the bound only guards against corrupt state.
    for (let i = 0; i < 1000; i++) {
      const next = this.lineage.get(cur);
      if (next === undefined) break;
      cur = next;
    }
    return cur;
  }

  /** Live clusters from least to most recently matched. */
  *inLruOrder(): Generator<Cluster> {
    for (let c = this.head; c; c = c.next) yield c;
  }
}
