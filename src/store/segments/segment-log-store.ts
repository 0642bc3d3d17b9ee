import { sql } from "kysely";
import type {
  BoundedLogQuery,
  CountableField,
  IntervalCount,
  LogQuery,
  LogStore,
  RecordAppender,
  RecordContext,
  SealingStats,
  StoredRecord,
  TemplateIntervalCount,
  ValueCount,
} from "../../core/log-store.js";
import { histogramFrame, mostFirst } from "../../core/log-store.js";
import type { RecordRef } from "../../core/record-ref.js";
import {
  type CompressionOptions,
  FilledSegment,
  type SearchIndex,
  type SegmentReader,
} from "../columnar/index.js";
import type { Store, StoreScope, StoreTransaction } from "../db.js";
import type { SegmentBuildThread, SegmentFill } from "./build-thread.js";
import {
  canonicalMs,
  countFromIndex,
  forEachMatch,
  knownToLackDigits,
  type PreparedQuery,
  prepareQuery,
  readListed,
} from "./matching-rows.js";
import { walkFilter, walkMatches } from "./ordered-walk.js";
import { PieceIndexCache, PieceReaderCache, PieceSummaryCache } from "./piece-cache.js";
import { PieceCatalog } from "./piece-catalog.js";
import { PieceSession } from "./piece-session.js";
import type { Piece, PieceFilter } from "./pieces.js";
import { eachSegmentRecord } from "./record-codec.js";
import { allocateRefs } from "./ref-allocator.js";
import { dropPiecesBefore, type SealResult, type SealStep, sealBatches, sealState } from "./sealer.js";
import type { OrphanSweep, SegmentBytes } from "./segment-bytes.js";
import { databaseSegmentBytes } from "./segment-bytes-db.js";
import { storedRecordAt } from "./stored-rows.js";
import { DEFAULT_SUMMARY_FILL, SummaryFill, type SummaryFillOptions } from "./summary-fill.js";

export interface SegmentLogStoreOptions {
  /** Lines per sealed segment, and the unsealed lines at which a seal is due (`sealIfDue`). */
  segmentLines?: number;
  /** Age in seconds of the oldest unsealed batch at which a seal is due. */
  sealAfterSeconds?: number;
  /** How batches are compressed when appended: cheap, since it is paid inside the ingest transaction. */
  batchCompression?: CompressionOptions;
  /** How segments are compressed when sealed (the codec's default: full). */
  segmentCompression?: CompressionOptions;
  /**
   * Seals compress on the thread that seals instead of libuv's pool: the sealing thread's setting (it runs
   * at a lower priority than the pool's threads); on the event loop, the pool keeps it free.
   */
  compressSealsInline?: boolean;
  /** Estimated heap of the parsed piece indexes kept in memory (`PieceIndexCache`). */
  indexCacheBytes?: number;
  /** Bytes of the pieces' digit-run summaries kept in memory (`PieceSummaryCache`). */
  summaryCacheBytes?: number;
  /**
   * How the digit-run summaries a search for a number did not build are built in idle time after it
   * (`SummaryFill`); `{ duty: 0 }` builds none.
   */
  summaryFill?: SummaryFillOptions;
  /** Decoded pieces kept in memory (`PieceReaderCache`); 0 keeps none. */
  cachedReaders?: number;
  /**
   * Where batch rows are built (columns and compression): this thread when unset, or while the build
   * thread cannot take a batch (`SegmentBuildThread.open` returns null).
   */
  buildThread?: SegmentBuildThread;
  /**
   * Where sealed segments' bytes are written (`SEGMENT_STORAGE`, segment-bytes.ts): their rows' `data`
   * when unset. Reads follow each row, whatever this says.
   */
  segmentBytes?: SegmentBytes;
  /** Tests only: called between a seal's steps (`SealStep`). */
  onSealStep?: (step: SealStep) => void | Promise<void>;
}

/** The segment store's own operations beside `LogStore`'s. */
export interface SegmentLogStore extends LogStore<StoreTransaction> {
  /** Seals the oldest unsealed batches into segments now (up to four segments' worth per call). */
  seal(now?: Date): Promise<SealResult>;
  /** Seals when enough lines are unsealed or the oldest batch is old enough; null when not due. */
  sealIfDue(now: Date): Promise<SealResult | null>;
  /** Retention: drops the segments and batches whose newest record time is before `time`, whole. */
  dropBefore(time: string): Promise<{ segments: number; batches: number }>;
  /**
   * Deletes the segment objects no row names that are older than the grace period (a seal that put its
   * objects and never committed); nothing when the bytes are in the rows (segment-orphans.ts).
   */
  collectOrphans(now: Date): Promise<OrphanSweep>;
  /** Resolves once no digit-run summaries are being built in idle time (`SummaryFill`). */
  summariesFilled(): Promise<void>;
  // Optional for other stores, always here.
  openAppend(
    batch: StoreTransaction,
    count: number,
    storedAt: string,
    firstRef?: RecordRef,
  ): Promise<RecordAppender>;
  sealingStats(): Promise<SealingStats>;
}

/** bench:store's segment size (docs/benchmarks.md, `store`): larger segments compressed little better. */
export const DEFAULT_SEGMENT_LINES = 16_384;
export const DEFAULT_SEAL_AFTER_SECONDS = 60;
/** Brotli's fastest setting: a batch is rewritten at full compression when it is sealed. */
const BATCH_COMPRESSION: CompressionOptions = { quality: 0 };

/**
 * A `LogStore` that keeps records in template-columnar segments (issue 18) in the store's own database:
 * `append` writes one `log_batches` row per call in the caller's transaction; `seal` merges batches into
 * `log_segments` (their bytes in the rows, or in object storage: `segmentBytes`); reads walk both. References are consecutive per batch (`ref-allocator.ts`).
 *
 * Scans (search, counts, histogram) read through `store.reader` as the table store does; look-ups by
 * reference and the watermark through the store's own connection. Decoding runs on the calling thread;
 * `serve` puts the scans on read threads (`read-threads.ts`). A scan lists its pieces once; a batch
 * sealed after that is followed into its segment (`readListed`), so a seal never makes a scan start over.
 */
export function segmentLogStore(store: Store, options: SegmentLogStoreOptions = {}): SegmentLogStore {
  const segmentLines = options.segmentLines ?? DEFAULT_SEGMENT_LINES;
  const sealAfterMs = (options.sealAfterSeconds ?? DEFAULT_SEAL_AFTER_SECONDS) * 1000;
  const batchCompression = options.batchCompression ?? BATCH_COMPRESSION;
  const cache = new PieceIndexCache(options.indexCacheBytes);
  const reads: StoreScope = store.reader ?? store;
  const readers = options.cachedReaders === 0 ? undefined : new PieceReaderCache(options.cachedReaders);
  const summaries = new PieceSummaryCache(options.summaryCacheBytes);
  const segmentBytes = options.segmentBytes ?? databaseSegmentBytes();
  const session = (scope: StoreScope) => new PieceSession(scope, cache, readers, summaries, segmentBytes);
  // The segments' listing, kept while no seal or drop changes them (a query per search was most of a
  // newest page's cost).
  const catalog = new PieceCatalog();
  const listPieces = (scope: StoreScope, filter: PieceFilter) => catalog.list(scope, filter);
  const summaryFill = new SummaryFill(
    async () =>
      (await listPieces(reads, {}))
        .filter((p) => p.kind === "segment")
        .sort((a, b) => b.firstRef - a.firstRef),
    () => session(reads),
    options.summaryFill ?? DEFAULT_SUMMARY_FILL,
  );
  /** Runs a scan of `q`: one for a number holds the summary fill off while it runs, and starts it after. */
  const scanning = async <T>(q: PreparedQuery, scan: () => Promise<T>): Promise<T> => {
    if (q.digitProbes.length === 0) return scan();
    summaryFill.began();
    try {
      return await scan();
    } finally {
      summaryFill.ended();
    }
  };

  /**
   * Calls `visit` for every row matching `query` (in no particular order) on a fresh accumulator from
   * `start`, and returns it.
   */
  const aggregate = async <A>(
    query: LogQuery,
    start: () => A,
    /** `t` is the row's time text, or null when it was not built (`ms` is then its time). */
    visit: (acc: A, reader: SegmentReader, i: number, t: string | null, ms: number) => void,
    whole?: (acc: A, piece: Piece, index: () => Promise<SearchIndex | null>) => boolean | Promise<boolean>,
    /**
     * Asked of a piece whose matching records `countFromIndex` could count from its index (a text query
     * over a window the piece lies in): may add `count()` whole, decoding no row, and return true.
     */
    counted?: (acc: A, piece: Piece, count: () => Promise<number | null>) => boolean | Promise<boolean>,
  ) => {
    const acc = start();
    const q = prepareQuery(query, true);
    const s = session(reads);
    return scanning(q, async () => {
      for (const piece of await listPieces(reads, queryFilter(query))) {
        // Every record matches: `whole` may count the piece from its row or its metadata, decoding nothing.
        if (whole && everyRecordMatches(query, piece) && (await whole(acc, piece, () => s.index(piece))))
          continue;
        if (counted && (await counted(acc, piece, () => countFromIndex(s, piece, q)))) {
          s.releaseBytes();
          continue;
        }
        if (knownToLackDigits(s, piece, q)) continue;
        await readListed(s, piece, q, (reader, plan, rows) =>
          forEachMatch(reader, plan, q, (i, t, ms) => visit(acc, reader, i, t, ms), { rows }),
        );
        s.releaseBytes();
      }
      return acc;
    });
  };

  /** Matching records in `order` after `after`, `skip` then `limit` of them. */
  const walk = (
    scope: StoreScope,
    query: LogQuery,
    order: "newest" | "oldest",
    page: { limit: number; skip: number; after?: StoredRecord | { timestamp: string; ref: number } },
  ) =>
    (async () => {
      const q = prepareQuery(query);
      return scanning(q, async () => {
        const pieces = await listPieces(scope, { ...queryFilter(query), ...walkFilter(order, page.after) });
        const rows = await walkMatches(session(scope), pieces, q, order, page);
        return rows.map((r) => storedRecordAt(r.reader, r.i));
      });
    })();

  const get = async (refs: readonly number[]) => {
    const wanted = [...new Set(refs)].filter((r) => Number.isSafeInteger(r)).sort((a, b) => a - b);
    if (wanted.length === 0) return [];
    const s = session(store);
    const pieces = (await listPieces(store, { refs: { from: wanted[0]!, to: wanted.at(-1)! } })).sort(
      (a, b) => a.firstRef - b.firstRef,
    );
    const out: StoredRecord[] = [];
    let k = 0;
    for (const piece of pieces) {
      while (k < wanted.length && wanted[k]! < piece.firstRef) k++;
      if (k >= wanted.length || wanted[k]! > piece.lastRef) continue;
      // The piece itself, or the segments it was sealed into since it was listed, in reference order.
      const readers = await s.readersOf(piece);
      for (; k < wanted.length && wanted[k]! <= piece.lastRef; k++) {
        const ref = wanted[k]!;
        const holder = readers.find(
          ({ reader: r }) => ref >= r.meta.firstRef && ref < r.meta.firstRef + r.count,
        );
        if (holder) out.push(storedRecordAt(holder.reader, ref - holder.reader.meta.firstRef));
      }
    }
    return out;
  };

  const seal = (now = new Date()) =>
    sealBatches(
      store,
      {
        segmentLines,
        maxLinesPerSeal: segmentLines * 4,
        compression: options.segmentCompression ?? {},
        compressInline: options.compressSealsInline,
        bytes: segmentBytes,
        onStep: options.onSealStep,
      },
      now.toISOString(),
    );

  /** One batch row: its references are allocated first, its records encoded as they are added. */
  const openAppend = async (
    tx: StoreTransaction,
    count: number,
    storedAt: string,
    reserved?: RecordRef,
  ): Promise<RecordAppender> => {
    // On PostgreSQL in a statement of its own: writers do not wait on each other's commits (`allocateRefs`).
    const firstRef = reserved ?? (await allocateRefs(store.dialect.name === "postgres" ? store : tx, count));
    const segment: SegmentFill =
      options.buildThread?.open(firstRef, count) ?? new FilledSegment(firstRef, count);
    return {
      firstRef,
      add: (records) => eachSegmentRecord(records, segment.add),
      async finish() {
        // The row's time and severity ranges come from the encoder, which finds them anyway. On the build
        // thread, the transaction waits here for the bytes (the event loop serves other work meanwhile):
        // the batch is acknowledged only once its row is committed, as before.
        const { data, range } = await segment.encode(batchCompression);
        await tx.db
          .insertInto("log_batches")
          .values({
            first_ref: firstRef,
            last_ref: firstRef + count - 1,
            count,
            min_time: range.minTimestamp,
            max_time: range.maxTimestamp,
            min_severity: range.minSeverity,
            max_severity: range.maxSeverity,
            data,
            created_at: storedAt,
          })
          .execute();
      },
    };
  };

  return {
    // One batch row per call: a row (and its brotli frames) per 50 records cost more than the records.
    appendSlice: segmentLines,

    async append(tx, records, storedAt) {
      if (records.length === 0) return [];
      const appender = await openAppend(tx, records.length, storedAt);
      appender.add(records);
      await appender.finish();
      return Array.from({ length: records.length }, (_, i) => appender.firstRef + i);
    },

    openAppend,

    // Only where references are allocated outside the transaction: on SQLite they are allocated in it.
    ...(store.dialect.name === "postgres"
      ? { reserveRefs: (count: number) => allocateRefs(store, count) }
      : {}),

    search: (query, page) =>
      walk(reads, query, "newest", { limit: page.limit, skip: page.offset ?? 0, after: page.after }),

    get,

    async templateCounts(range) {
      const sinceMs = Date.parse(range.since);
      const counts = await aggregate(
        { since: range.since, until: range.until },
        () => new Map<string, number>(),
        (acc, reader, i, t, ms) => {
          const templateId = reader.meta.templates[reader.entry(i)]!.templateId;
          if (templateId === null) return;
          const bucket = Math.floor(((t === null ? ms : Date.parse(t)) - sinceMs) / range.intervalMs);
          const key = `${new Date(sinceMs + bucket * range.intervalMs).toISOString()}\u0000${templateId}`;
          acc.set(key, (acc.get(key) ?? 0) + 1);
        },
      );
      const out: TemplateIntervalCount[] = [...counts].map(([key, count]) => {
        const [start, templateId] = key.split("\u0000") as [string, string];
        return { templateId, start, count };
      });
      return out.sort((a, b) =>
        a.start === b.start ? (a.templateId < b.templateId ? -1 : 1) : a.start < b.start ? -1 : 1,
      );
    },

    async watermark() {
      // One statement, so a seal moving the newest records between the tables is seen before or after.
      const { rows } = await sql<{ last: number | string | null }>`
        select max(last_ref) as last from (
          select max(last_ref) as last_ref from log_segments
          union all select max(last_ref) as last_ref from log_batches
        ) as edges`.execute(store.db);
      const last = rows[0]?.last;
      return last === null || last === undefined ? null : Number(last);
    },

    async extent(query) {
      if (isUnfiltered(query)) {
        // Every record matches: the pieces' own least and greatest times, from one listing.
        const pieces = await listPieces(reads, {});
        if (pieces.length === 0) return null;
        let first = pieces[0]!.minTime;
        let last = pieces[0]!.maxTime;
        for (const p of pieces) {
          if (p.minTime < first) first = p.minTime;
          if (p.maxTime > last) last = p.maxTime;
        }
        return { first, last };
      }
      const [last, first] = await Promise.all([
        walk(reads, query, "newest", { limit: 1, skip: 0 }),
        walk(reads, query, "oldest", { limit: 1, skip: 0 }),
      ]);
      return first[0] && last[0] ? { first: first[0].timestamp, last: last[0].timestamp } : null;
    },

    async histogram(query: BoundedLogQuery, intervalMs: number): Promise<IntervalCount[]> {
      const { sinceMs, bounded, size, intervals } = histogramFrame(query, intervalMs);
      const bucketOf = (t: string) => Math.floor((Date.parse(t) - sinceMs) / intervalMs);
      /** The one interval all of a piece's records fall in, or null (see `whole` below). */
      const pieceBucket = (piece: Piece): number | null => {
        if (canonicalMs(piece.minTime) === null || canonicalMs(piece.maxTime) === null) return null;
        const b = bucketOf(piece.minTime);
        return b === bucketOf(piece.maxTime) && b >= 0 && b < size ? b : null;
      };
      const counts = await aggregate(
        bounded,
        () => new Array<number>(size).fill(0),
        (acc, _reader, _i, t, ms) => {
          const b = t === null ? Math.floor((ms - sinceMs) / intervalMs) : bucketOf(t);
          if (b >= 0 && b < size) acc[b] = acc[b]! + 1;
        },
        // A piece within one interval adds its count there: segments span minutes, intervals often hours.
        // Its least and greatest times must be canonical texts (every record the pipeline stores has
        // one, `LogRecord.timestamp`): a time kept as written may sort between them and fall elsewhere.
        (acc, piece) => {
          const b = pieceBucket(piece);
          if (b === null) return false;
          acc[b] = acc[b]! + piece.count;
          return true;
        },
        // The same for a text: the piece's matches counted from its index where it can tell.
        async (acc, piece, count) => {
          const b = pieceBucket(piece);
          const n = b === null ? null : await count();
          if (n === null) return false;
          acc[b!] = acc[b!]! + n;
          return true;
        },
      );
      return intervals(counts);
    },

    async countBy(query: LogQuery, field: CountableField, limit?: number): Promise<ValueCount[]> {
      const add = (acc: Map<string, number>, value: string | null, n: number) => {
        if (value !== null) acc.set(value, (acc.get(value) ?? 0) + n);
      };
      const counts = await aggregate(
        query,
        () => new Map<string, number>(),
        (acc, reader, i) =>
          add(
            acc,
            field === "service" ? reader.service(i) : reader.meta.templates[reader.entry(i)]!.templateId,
            1,
          ),
        // The metadata counts records per template entry, and names the services present.
        async (acc, piece, index) => {
          const meta = (await index())?.meta;
          if (!meta) return false;
          if (field === "templateId") for (const t of meta.templates) add(acc, t.templateId, t.count);
          else if (meta.services.length === 1) add(acc, meta.services[0]!, piece.count);
          else return false;
          return true;
        },
      );
      const out = [...counts].map(([value, count]) => ({ value, count })).sort(mostFirst);
      return limit === undefined ? out : out.slice(0, limit);
    },

    async context(ref, around): Promise<RecordContext | null> {
      const [record] = await get([ref]);
      if (!record) return null;
      const sameService = { service: record.service };
      const [before, after] = await Promise.all([
        walk(reads, sameService, "newest", { limit: around.before, skip: 0, after: record }),
        walk(reads, sameService, "oldest", { limit: around.after, skip: 0, after: record }),
      ]);
      return { record, before: before.reverse(), after };
    },

    seal,

    async sealIfDue(now) {
      const state = await sealState(store, { lines: segmentLines, maxAgeMs: sealAfterMs }, now);
      if (state === "due") return seal(now);
      // Idle (nothing waits to be sealed): the pages sealed batches left free go back to the disk.
      if (state === "none") await store.dialect.releaseFreePages(store.db);
      return null;
    },

    dropBefore: (time) => dropPiecesBefore(store, time, segmentBytes),

    collectOrphans: (now) => segmentBytes.collectOrphans(store, now),

    summariesFilled: () => summaryFill.idle(),

    async sealingStats() {
      const { rows } = await sql<{ lines: number | string | null; segments: number | string }>`
        select (select sum(count) from log_batches) as lines,
               (select count(*) from log_segments) as segments`.execute(store.db);
      return { unsealedLines: Number(rows[0]?.lines ?? 0), segments: Number(rows[0]?.segments ?? 0) };
    },
  };
}

/** A query without conditions (an empty text is none). */
function isUnfiltered(query: LogQuery): boolean {
  return (
    !query.text?.trim() &&
    !query.service &&
    !query.host &&
    !query.templateId &&
    query.minSeverityNumber === undefined &&
    !query.since &&
    !query.until
  );
}

/**
 * Whether every record of `piece` matches `query`, judged from its row: no condition but time and
 * severity, and the piece's least and greatest record time and severity inside them.
 */
function everyRecordMatches(query: LogQuery, piece: Piece): boolean {
  if (query.text?.trim() || query.service || query.host || query.templateId) return false;
  if (query.minSeverityNumber !== undefined && !(piece.minSeverity >= query.minSeverityNumber)) return false;
  if (query.since && !(piece.minTime >= query.since)) return false;
  if (query.until && !(piece.maxTime < query.until)) return false;
  return true;
}

/** The piece-row conditions a query implies (its time range and least severity). */
function queryFilter(query: LogQuery): PieceFilter {
  return {
    since: query.since || undefined,
    until: query.until || undefined,
    minSeverityNumber: query.minSeverityNumber,
  };
}
