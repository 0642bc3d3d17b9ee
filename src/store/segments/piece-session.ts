import {
  type DigitProbe,
  DigitRunSummary,
  LeanIndex,
  readDigitRunSummary,
  readLeanIndex,
  readSearchIndex,
  readStoredDigitFilter,
  SearchIndex,
  SegmentReader,
  storedDigitFilterOf,
} from "../columnar/index.js";
import type { StoreScope } from "../db.js";
import type { PieceDigits, PieceIndexCache, PieceReaderCache, PieceSummaryCache } from "./piece-cache.js";
import { listPieces, type Piece, readPieceData, segmentCacheKey } from "./pieces.js";
import type { SegmentBytes } from "./segment-bytes.js";
import { databaseSegmentBytes } from "./segment-bytes-db.js";

/** Rows `from` to `to` (inclusive) of a piece: what a listed batch's records are in a segment. */
export interface RowRange {
  from: number;
  to: number;
}

/**
 * The pieces one read opens: each piece's bytes are read from the database (or a segment's from its
 * object, `SegmentBytes`) at most once per read, its search index comes from the shared cache when it is
 * there.
 */
export class PieceSession {
  readonly #bytes = new Map<string, Uint8Array | null>();

  constructor(
    private readonly scope: StoreScope,
    private readonly cache: PieceIndexCache,
    private readonly readers?: PieceReaderCache,
    private readonly summaries?: PieceSummaryCache,
    private readonly segmentBytes: SegmentBytes = databaseSegmentBytes(),
  ) {
    this.#readNumber = summaries?.beginRead() ?? 0;
  }

  /** This read's number in the summaries' cache (`PieceSummaryCache.beginRead`). */
  readonly #readNumber: number;

  /**
   * Whether the piece's messages may hold every digit run of `probes` (`DigitRunSummary`) and
   * `storedProbes` (the same runs as its stored filter keys them, `StoredDigitFilter`). Null when the piece
   * is gone (as for `index`). What is kept in the summaries' cache:
   * - a piece with a stored filter (a segment sealed since format version 2) that turns the probes down
   *   keeps that filter (about 2 KB), loaded with every other segment's from `log_segment_digits` in one
   *   statement (`#loadStoredFilters`), or else read from its bytes, decompressing nothing;
   * - any other piece read keeps its summary, built from its metadata, index and vars blocks (milliseconds
   *   of brotli and hashing): it answers for every later search, and more exactly than the stored filter.
   * The bytes of a piece turned down are not kept for the rest of the read: a search for a number reads
   * every piece once, and keeping them all (about 80 MB over 10M lines) only fed the collector.
   */
  async mayHoldDigits(
    piece: Piece,
    probes: readonly DigitProbe[],
    storedProbes: readonly DigitProbe[],
  ): Promise<boolean | null> {
    let known = this.summaries?.get(piece.cacheKey, this.#readNumber);
    if (!known && piece.kind === "segment" && (await this.#loadStoredFilters()))
      known = this.summaries?.get(piece.cacheKey, this.#readNumber);
    const judged = judgedFromCache(known, probes, storedProbes);
    if (judged !== undefined) return judged;
    const kept = this.#bytes.has(piece.cacheKey);
    const bytes = await this.#read(piece);
    if (bytes === null) return null;
    if (!known) {
      const stored = readStoredDigitFilter(bytes);
      if (stored && !stored.mayHoldAll(storedProbes)) {
        this.summaries?.set(piece.cacheKey, stored, this.#readNumber);
        if (!kept) this.#bytes.delete(piece.cacheKey);
        return false;
      }
    }
    const summary = this.#summaryOf(piece, bytes);
    this.summaries?.set(piece.cacheKey, summary, this.#readNumber);
    const holds = summary.mayHoldAll(probes);
    if (!holds && !kept) this.#bytes.delete(piece.cacheKey);
    return holds;
  }

  /**
   * Builds the piece's digit-run summary into the summaries' cache when it holds none (what a search for
   * a number does for a piece its stored filter lets through), for `SummaryFill`. `built`: it was
   * built; `held`: the cache held one; `gone`: the piece is gone; `full`: it was built but would take
   * the cache past its budget, so it was not kept (and nothing was evicted for it).
   */
  async summarize(piece: Piece): Promise<"built" | "held" | "gone" | "full"> {
    const summaries = this.summaries;
    if (summaries === undefined) return "full";
    if (summaries.peek(piece.cacheKey) instanceof DigitRunSummary) return "held";
    const bytes = await this.#read(piece);
    this.#bytes.delete(piece.cacheKey);
    if (bytes === null) return "gone";
    const summary = this.#summaryOf(piece, bytes);
    if (!summaries.hasRoomFor(piece.cacheKey, summary.byteSize)) return "full";
    summaries.set(piece.cacheKey, summary, this.#readNumber);
    return "built";
  }

  /**
   * True when what the summaries' cache holds for the piece (its summary, or its stored filter) shows, with
   * no read, that it lacks a run the probes need; false when it may hold them or the cache cannot tell
   * (`mayHoldDigits` then finds out). A search for a number asks this of every piece first: most are
   * turned down here, without the turns of the event loop an awaited check of each took.
   */
  lacksDigits(piece: Piece, probes: readonly DigitProbe[], storedProbes: readonly DigitProbe[]): boolean {
    const known = this.summaries?.get(piece.cacheKey, this.#readNumber);
    return judgedFromCache(known, probes, storedProbes) === false;
  }

  /** The piece's digit-run summary, from its bytes (and its metadata when the index cache holds it). */
  #summaryOf(piece: Piece, bytes: Uint8Array): DigitRunSummary {
    return readDigitRunSummary(bytes, this.cache.get(piece.cacheKey)?.meta);
  }

  /** Whether this read loaded the stored filters already (`#loadStoredFilters`). */
  #storedFiltersLoaded = false;

  /**
   * Puts the stored digit filters (migration 021) of segments sealed since the summaries' cache last
   * loaded them into it, in one statement, once per read: about 2 KB a segment, where reading a segment's
   * bytes to find its filter cost about 0.6 ms (SQLite reads a blob's whole overflow chain). True when a
   * load ran, so the caller looks in the cache again.
   */
  async #loadStoredFilters(): Promise<boolean> {
    const summaries = this.summaries;
    if (this.#storedFiltersLoaded || summaries === undefined) return false;
    this.#storedFiltersLoaded = true;
    const after = summaries.storedFiltersThrough;
    const rows = await this.scope.db
      .selectFrom("log_segment_digits")
      .select(["segment_id", "digits"])
      .where("segment_id", ">", after)
      // Newest first, as searches walk: past the cache's budget, the filters kept are the newest ones.
      .orderBy("segment_id", "desc")
      .execute();
    let greatest = after;
    for (const row of rows) {
      const id = Number(row.segment_id);
      if (id > greatest) greatest = id;
      const key = segmentCacheKey(id);
      const filter = summaries.has(key) ? null : storedDigitFilterOf(row.digits);
      if (filter) summaries.set(key, filter, this.#readNumber);
    }
    summaries.storedFiltersThrough = greatest;
    return true;
  }

  /**
   * The piece's parsed metadata and index, or null when the piece is gone: a dropped segment, or a batch
   * sealed since it was listed (`movedTo`).
   */
  async index(piece: Piece): Promise<SearchIndex | null> {
    const cached = this.cache.get(piece.cacheKey);
    if (cached) return cached;
    const bytes = await this.#read(piece);
    if (bytes === null) return null;
    const ix = readSearchIndex(bytes);
    this.cache.set(piece.cacheKey, ix, ix.heapEstimate());
    return ix;
  }

  /**
   * What a search plans the piece on: its parsed index when the cache holds it, else, for a search of
   * `leanWords` (numbers, ids), a `LeanIndex` read for this search alone (parsing and folding the
   * dictionaries of a segment of fresh values is most of what such a search costs in a segment that does
   * not hold the word), else the parsed index (`index`). Null when the piece is gone.
   */
  async searchIndex(
    piece: Piece,
    leanWords: readonly string[] | null,
  ): Promise<SearchIndex | LeanIndex | null> {
    if (leanWords === null) return this.index(piece);
    const cached = this.cache.get(piece.cacheKey);
    if (cached) return cached;
    const lean = this.#lean.get(piece.cacheKey);
    if (lean) return lean;
    const bytes = await this.#read(piece);
    if (bytes === null) return null;
    const read = readLeanIndex(bytes);
    // Kept with the bytes, for this read: a count that could not tell from the index reads the rows next.
    this.#lean.set(piece.cacheKey, read);
    return read;
  }

  readonly #lean = new Map<string, LeanIndex>();

  /**
   * A reader over the piece's records, or null when the piece is gone (as for `index`). `ix`: the index
   * the caller planned on; a reader opened on a `LeanIndex` builds messages from the dictionaries of their
   * own entries (`IndexParts`), never parsing the whole index block unless something else asks for it
   * (the parsed index then joins the cache).
   */
  async open(piece: Piece, ix?: SearchIndex | LeanIndex): Promise<SegmentReader | null> {
    const kept = this.readers?.get(piece.cacheKey);
    if (kept) return kept;
    const known = ix ?? (await this.index(piece));
    const bytes = known && (await this.#read(piece));
    if (!known || !bytes) return null;
    const reader =
      known instanceof LeanIndex
        ? new SegmentReader(bytes, {
            meta: known.meta,
            shape: known.shape,
            parseIndex: () => known.parseIndex(),
            onIndex: (index) => this.#cacheIndex(piece, new SearchIndex(known.meta, index)),
            parts: known,
          })
        : new SegmentReader(bytes, { meta: known.meta, index: known.index });
    this.readers?.set(piece.cacheKey, reader);
    return reader;
  }

  #cacheIndex(piece: Piece, ix: SearchIndex): void {
    if (!this.cache.get(piece.cacheKey)) this.cache.set(piece.cacheKey, ix, ix.heapEstimate());
  }

  /**
   * Where a listed batch's records are now that it is gone: the segments a seal moved them to, each with
   * the rows that were the batch's (a seal moves records in one transaction and keeps their references,
   * and one segment may take the ends of two batches). Empty when retention dropped them since. Reads
   * follow a moved batch instead of listing again: a read started over whenever a seal landed never
   * finished a scan of a large store under steady ingest.
   */
  async movedTo(batch: Piece): Promise<{ piece: Piece; rows: RowRange }[]> {
    const now = await listPieces(this.scope, { refs: { from: batch.firstRef, to: batch.lastRef } });
    return now
      .filter((p) => p.kind === "segment")
      .sort((a, b) => a.firstRef - b.firstRef)
      .map((piece) => ({
        piece,
        rows: {
          from: Math.max(batch.firstRef, piece.firstRef) - piece.firstRef,
          to: Math.min(batch.lastRef, piece.lastRef) - piece.firstRef,
        },
      }));
  }

  /**
   * Readers over what `listed` holds now: its own, or where its records went (`movedTo`), with the rows
   * that are its records. Empty when its records were dropped.
   */
  async readersOf(listed: Piece): Promise<{ reader: SegmentReader; rows?: RowRange | undefined }[]> {
    const reader = await this.open(listed);
    if (reader) return [{ reader }];
    if (listed.kind !== "batch") return [];
    const out: { reader: SegmentReader; rows: RowRange }[] = [];
    for (const part of await this.movedTo(listed)) {
      const moved = await this.open(part.piece);
      if (moved) out.push({ reader: moved, rows: part.rows });
    }
    return out;
  }

  /**
   * Lets go of the bytes this read holds (a scan calls it after each piece it listed): a scan of every
   * piece kept them all until it ended, about 90 MB over 10M lines. Readers made from them keep their own;
   * a segment two listed batches were sealed into is read again for the second (a seal during the scan).
   */
  releaseBytes(): void {
    this.#bytes.clear();
    this.#lean.clear();
  }

  async #read(piece: Piece): Promise<Uint8Array | null> {
    if (this.#bytes.has(piece.cacheKey)) return this.#bytes.get(piece.cacheKey)!;
    // Null: a batch sealed since it was listed, or a segment dropped by retention.
    const bytes = await readPieceData(this.scope, piece, this.segmentBytes);
    this.#bytes.set(piece.cacheKey, bytes);
    return bytes;
  }
}

/**
 * What the summaries' cache entry of a piece says with no read: whether it may hold the probes (a summary
 * answers either way, a stored filter only "no"), or undefined when the bytes must be read to tell.
 */
function judgedFromCache(
  known: PieceDigits | undefined,
  probes: readonly DigitProbe[],
  storedProbes: readonly DigitProbe[],
): boolean | undefined {
  if (known instanceof DigitRunSummary) return known.mayHoldAll(probes);
  if (known && !known.mayHoldAll(storedProbes)) return false;
  return undefined;
}
