/**
 * The LruMap as it was before its order of use became a linked list (a Map re-inserted on every use):
 * the model `lru.test.ts` compares the current one with, operation by operation. Test code only.
 */
import type { UndoLog } from "../../src/core/undo.js";

/**
 * A Map that keeps at most `max` keys, evicting the least recently used. Detectors key their state by
 * user, IP, device or template, all of which an attacker or a chatty producer can multiply, so every
 * per-key map is one of these: memory and exported state stay bounded.
 */
export class MapLru<K, V> {
  readonly #map = new Map<K, V>();
  /**
   * The most recently used key, which needs no move: detectors look up the same service or template for
   * runs of records, and moving a key to the end of a Map (delete + set) is most of what a read costs.
   */
  #newest: K | undefined;
  #hasNewest = false;
  /** Set by `recordTo`: where the first change of each key in a batch is journaled, and how values are copied. */
  #undo: UndoLog | null = null;
  #copy: (value: V) => V = (value) => value;
  /** Keys already remembered in the batch `#epoch` of the undo log. */
  readonly #remembered = new Set<K>();
  #epoch = -1;
  /** The batch (undo epoch) in which `#newest` was remembered: a repeated read then skips the set lookup. */
  #newestEpoch = -1;

  constructor(readonly max: number) {}

  /**
   * Journals this map into `log`: before a batch first reads a key for change (`get`, `upsert`, `set`,
   * `delete`, an eviction) its value is copied with `copy`, and a rollback puts the copy back (or removes
   * a key the batch added), then the keys' order (recency) as it was.
   * `peek`, `values` and `entries` are reads; call `remember(key)` before changing what they gave.
   */
  recordTo(log: UndoLog, copy: (value: V) => V): this {
    this.#undo = log;
    this.#copy = copy;
    return this;
  }

  /** Journals `key` as it is now, once per batch (no-op outside a recorded batch). */
  remember(key: K): void {
    const log = this.#undo;
    if (log === null || !log.recording) return;
    if (this.#epoch !== log.epoch) {
      this.#epoch = log.epoch;
      this.#remembered.clear();
      // Recency decides which key a full map forgets first, and the saved state keeps it: the order of
      // the keys is put back too, after their values (undone last, so pushed first).
      const order = [...this.#map.keys()];
      log.push(() => this.#restoreOrder(order));
    }
    if (this.#remembered.has(key)) return;
    this.#remembered.add(key);
    const had = this.#map.has(key);
    const saved = had ? this.#copy(this.#map.get(key) as V) : undefined;
    log.push(() => {
      this.#hasNewest = false;
      this.#map.delete(key);
      if (had) this.#map.set(key, saved as V);
    });
  }

  #restoreOrder(order: readonly K[]): void {
    const values = order.flatMap((k) => (this.#map.has(k) ? [[k, this.#map.get(k) as V] as const] : []));
    this.#map.clear();
    for (const [k, v] of values) this.#map.set(k, v);
    this.#hasNewest = false;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Reads and marks as recently used. */
  get(key: K): V | undefined {
    if (this.#undo !== null) this.#rememberUse(this.#undo, key);
    const value = this.#map.get(key);
    if (value === undefined || (this.#hasNewest && key === this.#newest)) return value;
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#newest = key;
    this.#hasNewest = true;
    this.#newestEpoch = this.#epoch;
    return value;
  }

  /** `remember`, minus the set lookup for the newest key (runs of one service's records). */
  #rememberUse(log: UndoLog, key: K): void {
    if (this.#hasNewest && key === this.#newest && this.#newestEpoch === log.epoch && log.recording) return;
    this.remember(key);
  }

  /** Reads without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): this {
    if (this.#undo !== null) this.#rememberUse(this.#undo, key);
    // The newest key is last already (or gone, and then set puts it last): a read then a write of the
    // same key (a count) moves it once, not twice.
    if (!this.#hasNewest || key !== this.#newest) this.#map.delete(key);
    this.#map.set(key, value);
    this.#newest = key;
    this.#hasNewest = true;
    this.#newestEpoch = this.#epoch;
    while (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value as K;
      if (this.#undo !== null) this.remember(oldest);
      this.#map.delete(oldest);
    }
    return this;
  }

  /** Returns the value for `key`, creating it with `make` when absent. */
  upsert(key: K, make: () => V): V {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    const value = make();
    this.set(key, value);
    return value;
  }

  delete(key: K): boolean {
    if (this.#undo !== null) this.remember(key);
    if (this.#hasNewest && key === this.#newest) this.#hasNewest = false;
    return this.#map.delete(key);
  }

  /** Not journaled: for imports and restarts outside a batch. */
  clear(): void {
    this.#hasNewest = false;
    this.#map.clear();
  }

  /**
   * Sets without evicting or journaling: for a stream's keys imported before the shared remainder of the
   * same save, whose `retainInOrder` then settles which keys stay. A stale row (its stream's keys were
   * evicted since) must not push out keys the remainder lists. Past the cap, the next `set` evicts.
   */
  restore(key: K, value: V): void {
    this.#hasNewest = false;
    this.#map.delete(key);
    this.#map.set(key, value);
  }

  /**
   * Keeps only the listed keys, in the listed order (oldest first): a recency saved apart from the values
   * (partitioned state, `StreamPartitioned.importShared`). Listed keys it lacks are skipped. Not journaled:
   * for imports outside a batch.
   */
  retainInOrder(order: Iterable<K>): void {
    const kept: [K, V][] = [];
    for (const key of order) {
      const value = this.#map.get(key);
      if (value !== undefined) kept.push([key, value]);
    }
    this.clear();
    for (const [key, value] of kept) this.#map.set(key, value);
  }

  keys(): IterableIterator<K> {
    return this.#map.keys();
  }

  /** Oldest first, so re-inserting in order restores recency. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }
}
