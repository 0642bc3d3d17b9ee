/**
 * A Map that keeps at most `max` keys, evicting the least recently used. Detectors key their state by
 * user, IP, device or template, all of which an attacker or a chatty producer can multiply, so every
 * per-key map is one of these: memory and exported state stay bounded.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  /**
   * The most recently used key, which needs no move: detectors look up the same service or template for
   * runs of records, and moving a key to the end of a Map (delete + set) is most of what a read costs.
   */
  #newest: K | undefined;
  #hasNewest = false;

  constructor(readonly max: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** Reads and marks as recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined || (this.#hasNewest && key === this.#newest)) return value;
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#newest = key;
    this.#hasNewest = true;
    return value;
  }

  /** Reads without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): this {
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#newest = key;
    this.#hasNewest = true;
    while (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value as K;
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
    if (this.#hasNewest && key === this.#newest) this.#hasNewest = false;
    return this.#map.delete(key);
  }

  clear(): void {
    this.#hasNewest = false;
    this.#map.clear();
  }

  /** Oldest first, so re-inserting in order restores recency. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  values(): IterableIterator<V> {
    return this.#map.values();
  }
}
