/** An entry of `HashChains`: its hash, and the next entry of its slot. */
export interface Chained<E> {
  next: E | null;
  readonly hash: number;
}

/**
 * Entries chained per slot of their hash in one `Map`: the storage of the line memo and the skeleton
 * tables, whose lookups walk a slot's chain and verify each candidate themselves.
 */
export class HashChains<E extends Chained<E>> {
  private readonly map = new Map<number, E>();
  size = 0;

  /** The first entry of `hash`'s slot (other hashes may share it), or null. */
  first(hash: number): E | null {
    return this.map.get(slot(hash)) ?? null;
  }

  /** Puts `e` first in its slot; returns the entry that was first before, or null. */
  push(e: E): E | null {
    const k = slot(e.hash);
    const head = this.map.get(k) ?? null;
    e.next = head;
    this.map.set(k, e);
    this.size++;
    return head;
  }

  delete(entry: E): void {
    const k = slot(entry.hash);
    let prev: E | null = null;
    for (let e = this.map.get(k) ?? null; e; prev = e, e = e.next) {
      if (e !== entry) continue;
      if (prev) prev.next = e.next;
      else if (e.next) this.map.set(k, e.next);
      else this.map.delete(k);
      this.size--;
      return;
    }
  }

  clear(): void {
    this.map.clear();
    this.size = 0;
  }
}

/** Map key for a hash: kept in small-integer range, which V8 maps handle fastest. */
function slot(hash: number): number {
  return hash & 0x3fffffff;
}
