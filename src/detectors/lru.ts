import type { UndoLog } from "../core/undo.js";

/**
 * One key of an `LruMap`: its value, its neighbours in the order of use, and the undo epoch in which the
 * batch last journaled it.
 */
interface Entry<K, V> {
  readonly key: K;
  value: V;
  /** The entry used just before this one (null: this is the oldest). */
  older: Entry<K, V> | null;
  /** The entry used just after this one (null: this is the newest). */
  newer: Entry<K, V> | null;
  /** The undo epoch in which this key was journaled (`remember`); `NO_EPOCH`: not in any. */
  journaled: number;
}

/** An entry's mark before any batch journals it (undo epochs count up from 0). */
const NO_EPOCH = -1;

/**
 * A Map that keeps at most `max` keys, evicting the least recently used. Detectors key their state by
 * user, IP, device or template, all of which an attacker or a chatty producer can multiply, so every
 * per-key map is one of these: memory and exported state stay bounded.
 *
 * The order of use is a linked list through the entries, not the Map's insertion order: moving a key to
 * the newest end of a Map (delete, then set again) was most of what a read cost, and the template and
 * volume detectors read a key or two for every record.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, Entry<K, V>>();
  #oldest: Entry<K, V> | null = null;
  #newest: Entry<K, V> | null = null;
  /** Set by `recordTo`: where the first change of each key in a batch is journaled, and how values are copied. */
  #undo: UndoLog | null = null;
  #copy: (value: V) => V = (value) => value;
  /** The undo epoch `#journaledAbsent` and the entries' `journaled` marks refer to (none yet: no entry's). */
  #epoch = NO_EPOCH - 1;
  /**
   * Keys journaled in epoch `#epoch` that have no entry now (added by the batch, or deleted after being
   * journaled): an entry carries its own mark, a missing key can only be remembered here.
   */
  readonly #journaledAbsent = new Set<K>();

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
    if (this.#undo !== null) this.#journal(this.#undo, key, this.#map.get(key));
  }

  /** `remember` for a key whose entry (or its absence) the caller has already looked up. */
  #journal(log: UndoLog, key: K, entry: Entry<K, V> | undefined): void {
    if (!log.recording) return;
    if (this.#epoch !== log.epoch) this.#startEpoch(log);
    if (entry !== undefined) {
      if (entry.journaled === this.#epoch) return;
      entry.journaled = this.#epoch;
      log.push(this.#putBackStep(key, true, this.#copy(entry.value)));
    } else {
      if (this.#journaledAbsent.has(key)) return;
      this.#journaledAbsent.add(key);
      log.push(this.#putBackStep(key, false, undefined));
    }
  }

  /**
   * The rollback step of `#putBack`, made here and not in `#journal`: a function that makes a closure over
   * its parameters gets a context object on every call, whichever branch it takes, and `#journal` runs
   * for every read and write of a recorded map (about 90 bytes a call, most of what the default
   * detectors allocated a line).
   */
  #putBackStep(key: K, had: boolean, saved: V | undefined): () => void {
    return () => this.#putBack(key, had, saved);
  }

  /**
   * The first journaling in a batch: recency decides which key a full map forgets first, and the saved
   * state keeps it, so the order of the keys is put back too, after their values (undone last, so
   * pushed first).
   */
  #startEpoch(log: UndoLog): void {
    this.#epoch = log.epoch;
    this.#journaledAbsent.clear();
    const order = this.#keyList();
    log.push(() => this.#restoreOrder(order));
  }

  /** A rollback's step for one key: its value as the batch found it, or no key when it had none. */
  #putBack(key: K, had: boolean, saved: V | undefined): void {
    const entry = this.#map.get(key);
    if (entry !== undefined) this.#remove(entry);
    if (had) this.#append(key, saved as V);
  }

  /** The keys of `order` the map has, in that order; a key it does not list (not journaled) goes. */
  #restoreOrder(order: readonly K[]): void {
    const kept: Entry<K, V>[] = [];
    for (const key of order) {
      const entry = this.#map.get(key);
      if (entry !== undefined) kept.push(entry);
    }
    if (kept.length !== this.#map.size) {
      const listed = new Set(kept);
      for (const entry of this.#map.values()) if (!listed.has(entry)) this.#map.delete(entry.key);
    }
    this.#relink(kept);
  }

  get size(): number {
    return this.#map.size;
  }

  /** Reads and marks as recently used. */
  get(key: K): V | undefined {
    const entry = this.#map.get(key);
    if (this.#undo !== null) this.#journal(this.#undo, key, entry);
    if (entry === undefined) return undefined;
    if (entry !== this.#newest) this.#moveToNewest(entry);
    return entry.value;
  }

  /** Reads without touching recency. */
  peek(key: K): V | undefined {
    return this.#map.get(key)?.value;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): this {
    const entry = this.#map.get(key);
    if (this.#undo !== null) this.#journal(this.#undo, key, entry);
    if (entry !== undefined) {
      entry.value = value;
      if (entry !== this.#newest) this.#moveToNewest(entry);
    } else this.#append(key, value);
    while (this.#map.size > this.max) {
      const oldest = this.#oldest!;
      if (this.#undo !== null) this.#journal(this.#undo, oldest.key, oldest);
      this.#remove(oldest);
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
    const entry = this.#map.get(key);
    if (this.#undo !== null) this.#journal(this.#undo, key, entry);
    if (entry === undefined) return false;
    this.#remove(entry);
    return true;
  }

  /** Not journaled: for imports and restarts outside a batch. */
  clear(): void {
    for (let e = this.#oldest; e !== null; e = e.newer) this.#forget(e);
    this.#map.clear();
    this.#oldest = null;
    this.#newest = null;
  }

  /**
   * Sets without evicting or journaling: for a stream's keys imported before the shared remainder of the
   * same save, whose `retainInOrder` then settles which keys stay. A stale row (its stream's keys were
   * evicted since) must not push out keys the remainder lists. Past the cap, the next `set` evicts.
   */
  restore(key: K, value: V): void {
    const entry = this.#map.get(key);
    if (entry === undefined) {
      this.#append(key, value);
      return;
    }
    entry.value = value;
    if (entry !== this.#newest) this.#moveToNewest(entry);
  }

  /**
   * Keeps only the listed keys, in the listed order (oldest first): a recency saved apart from the values
   * (partitioned state, `StreamPartitioned.importShared`). Listed keys it lacks are skipped. Not journaled:
   * for imports outside a batch.
   */
  retainInOrder(order: Iterable<K>): void {
    const kept: Entry<K, V>[] = [];
    const listed = new Set<Entry<K, V>>();
    for (const key of order) {
      const entry = this.#map.get(key);
      // A key listed twice stays where it was first listed, as a Map set twice keeps its first place.
      if (entry !== undefined && !listed.has(entry)) {
        listed.add(entry);
        kept.push(entry);
      }
    }
    for (let e = this.#oldest; e !== null; e = e.newer) {
      if (listed.has(e)) continue;
      this.#forget(e);
      this.#map.delete(e.key);
    }
    this.#relink(kept);
  }

  /** Oldest first. A copy of the keys as they are now: the map may change while it is iterated. */
  keys(): IterableIterator<K> {
    return this.#keyList().values();
  }

  /** Oldest first, so re-inserting in order restores recency. */
  entries(): IterableIterator<[K, V]> {
    const out: [K, V][] = [];
    for (let e = this.#oldest; e !== null; e = e.newer) out.push([e.key, e.value]);
    return out.values();
  }

  values(): IterableIterator<V> {
    const out: V[] = [];
    for (let e = this.#oldest; e !== null; e = e.newer) out.push(e.value);
    return out.values();
  }

  #keyList(): K[] {
    const out: K[] = [];
    for (let e = this.#oldest; e !== null; e = e.newer) out.push(e.key);
    return out;
  }

  /** A new key, newest. A key the batch journaled while it had no entry keeps that mark. */
  #append(key: K, value: V): void {
    const entry: Entry<K, V> = {
      key,
      value,
      older: this.#newest,
      newer: null,
      journaled: this.#journaledAbsent.has(key) ? this.#epoch : NO_EPOCH,
    };
    this.#map.set(key, entry);
    if (this.#newest !== null) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #remove(entry: Entry<K, V>): void {
    this.#forget(entry);
    this.#map.delete(entry.key);
    this.#unlink(entry);
  }

  /** Keeps a journaled key's mark when its entry goes, so the batch does not journal it twice. */
  #forget(entry: Entry<K, V>): void {
    if (entry.journaled === this.#epoch) this.#journaledAbsent.add(entry.key);
  }

  #moveToNewest(entry: Entry<K, V>): void {
    this.#unlink(entry);
    entry.older = this.#newest;
    entry.newer = null;
    if (this.#newest !== null) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  #unlink(entry: Entry<K, V>): void {
    if (entry.older !== null) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer !== null) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = null;
    entry.newer = null;
  }

  /** Makes `entries` (all of the map's, each once) the order of use, oldest first. */
  #relink(entries: readonly Entry<K, V>[]): void {
    let older: Entry<K, V> | null = null;
    for (const entry of entries) {
      entry.older = older;
      entry.newer = null;
      if (older !== null) older.newer = entry;
      older = entry;
    }
    this.#oldest = entries[0] ?? null;
    this.#newest = older;
  }
}
