import type { DigitRunSummary, SearchIndex, SegmentReader, StoredDigitFilter } from "../columnar/index.js";

/** What a piece's digits are known by: its summary, or (until one is built) its stored filter. */
export type PieceDigits = DigitRunSummary | StoredDigitFilter;

/**
 * Parsed metadata and search indexes of recently read pieces, by `Piece.cacheKey`, least recently used
 * dropped once their weights pass `budget`. A piece's weight is its index's estimated heap
 * (`SearchIndex.heapEstimate`): a segment of fresh values has a large index, one of repeated values a
 * small one, so a count of entries would bound nothing, and the stored size understates the parsed one
 * about 36 times (weighed by stored size, a 16 MiB budget held about 700 MiB of indexes). A piece's
 * bytes never change under its key, so entries need no invalidation; those of sealed or dropped pieces
 * age out. With an index at hand, a search decides to skip a piece without reading its bytes.
 */
/** Heap for parsed indexes per segment store object: about 18 segments of fresh values (300,000 lines). */
export const DEFAULT_INDEX_CACHE_BYTES = 64 * 1024 * 1024;

export class PieceIndexCache {
  readonly #entries = new Map<string, { ix: SearchIndex; weight: number }>();
  #weight = 0;

  constructor(readonly budget = DEFAULT_INDEX_CACHE_BYTES) {}

  get(key: string): SearchIndex | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.ix;
  }

  set(key: string, ix: SearchIndex, weight: number): void {
    this.#drop(key);
    this.#entries.set(key, { ix, weight });
    this.#weight += weight;
    // The newest entry stays even when it alone is over budget: the read in progress uses it.
    while (this.#weight > this.budget && this.#entries.size > 1)
      this.#drop(this.#entries.keys().next().value!);
  }

  /** Entries held and their total weight. */
  get usage(): { entries: number; weight: number } {
    return { entries: this.#entries.size, weight: this.#weight };
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#weight -= entry.weight;
  }
}

/**
 * Readers of the few pieces read last, by `Piece.cacheKey`, with whatever columns they decoded: the
 * newest segment and batches are what nearly every first page, context and dashboard refresh reads, and
 * decoding a segment's columns costs far more than showing a page of it. Bounded by a count, since a
 * reader's decoded columns grow with its piece's lines (a 16,384-line segment: a few MB).
 */
export class PieceReaderCache {
  readonly #readers = new Map<string, SegmentReader>();

  constructor(readonly capacity = 4) {}

  get(key: string): SegmentReader | undefined {
    const reader = this.#readers.get(key);
    if (reader !== undefined) {
      this.#readers.delete(key);
      this.#readers.set(key, reader);
    }
    return reader;
  }

  set(key: string, reader: SegmentReader): void {
    this.#readers.delete(key);
    this.#readers.set(key, reader);
    while (this.#readers.size > this.capacity) this.#readers.delete(this.#readers.keys().next().value!);
  }
}

/**
 * Heap for digit-run summaries per segment store object: about 30 KB a 16,384-line segment of fresh
 * values, so some 2,000 segments (35M lines).
 */
export const DEFAULT_SUMMARY_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * The digit-run summaries (`DigitRunSummary`) of pieces read, by `Piece.cacheKey`, within `budget` bytes.
 * A summary is a few per cent of its piece's parsed index, so a store object keeps those of every piece
 * of a large store where it keeps the parsed indexes of a few dozen: a search for a number or an id then
 * reads only the pieces whose summary may hold it. Entries never need invalidation (a key's bytes never
 * change).
 *
 * Past the budget, the least recently used entries go, but never one that the read adding the new entry
 * has used: the new entry is turned away instead. A search for a number reads every piece in the same
 * order each time, and plain LRU over a store larger than the budget dropped each summary just before
 * the next search needed it (no search ever hit); this way the first pieces a search reads stay, those of
 * pieces dropped by retention age out.
 */
export class PieceSummaryCache {
  /**
   * Entries in the order they were added; recency is `used` (a stamp from `#clock`), not the map's order:
   * a search for a number asks for every piece's summary, and moving each to the map's end (a delete and
   * a set, about 0.5 µs) was a tenth of a warm search of 124 pieces. The least recently used entry is
   * found by a pass over the entries only when a set goes past the budget, next to building a summary
   * (milliseconds).
   */
  readonly #entries = new Map<string, { summary: PieceDigits; read: number; used: number }>();
  #weight = 0;
  #reads = 0;
  #clock = 0;

  constructor(readonly budget = DEFAULT_SUMMARY_CACHE_BYTES) {}

  /**
   * The greatest segment id whose stored digit filter (migration 021) was loaded into this cache
   * (`PieceSession.mayHoldDigits`): segment ids only grow, so a read loads only the filters of segments
   * sealed since. One whose entry was turned away (the budget) is read from its bytes instead.
   */
  storedFiltersThrough = 0;

  /** Whether an entry for `key` is held (not counted as a use). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** A number for a new read, which it passes to `get` and `set`. */
  beginRead(): number {
    return ++this.#reads;
  }

  /** The entry for `key`, without counting a use (what `SummaryFill` checks). */
  peek(key: string): PieceDigits | undefined {
    return this.#entries.get(key)?.summary;
  }

  /** Whether an entry of `bytes` for `key` (in place of the one held, if any) stays within the budget. */
  hasRoomFor(key: string, bytes: number): boolean {
    return this.#weight - (this.#entries.get(key)?.summary.byteSize ?? 0) + bytes <= this.budget;
  }

  get(key: string, read: number): PieceDigits | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.read = read;
    entry.used = ++this.#clock;
    return entry.summary;
  }

  set(key: string, summary: PieceDigits, read: number): void {
    this.#drop(key);
    this.#entries.set(key, { summary, read, used: ++this.#clock });
    this.#weight += summary.byteSize;
    while (this.#weight > this.budget && this.#entries.size > 1) {
      const [oldest, entry] = this.#leastRecentlyUsed();
      // Every entry left was used by this read: keep them, turn the new one away.
      this.#drop(entry.read === read ? key : oldest);
      if (entry.read === read) return;
    }
  }

  /** Entries held and their total bytes. */
  get usage(): { entries: number; weight: number } {
    return { entries: this.#entries.size, weight: this.#weight };
  }

  #leastRecentlyUsed(): [string, { read: number; used: number }] {
    let oldest: [string, { read: number; used: number }] | undefined;
    for (const [key, entry] of this.#entries)
      if (!oldest || entry.used < oldest[1].used) oldest = [key, entry];
    return oldest!;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#entries.delete(key);
    this.#weight -= entry.summary.byteSize;
  }
}
