import { sql } from "kysely";
import {
  type CompressionOptions,
  readSegmentMeta,
  resealPieces,
  type SegmentMeta,
  type SegmentRecordWithRef,
  splitStoredDigits,
} from "../columnar/index.js";
import type { Store, StoreScope, StoreTransaction } from "../db.js";
import type { PlacedBytes, SegmentBytes } from "./segment-bytes.js";
import { databaseSegmentBytes } from "./segment-bytes-db.js";

/**
 * The points between a seal's steps, for tests that stop a seal there as a crash would: after the batches
 * were read, after the segments were encoded, after their bytes were put (`SegmentBytes.put`: objects
 * written, rows not yet), and inside the sealing transaction after the batch rows were deleted and after
 * the segments were inserted (a fault there rolls the transaction back, which is what a crash before
 * commit leaves on disk).
 */
export type SealStep = "read" | "encoded" | "placed" | "deleted" | "inserted";

export interface SealOptions {
  /** Lines per sealed segment, at most. */
  segmentLines: number;
  /** Lines one `seal` call takes from the batches, at most (whole batches; at least one). */
  maxLinesPerSeal: number;
  compression: CompressionOptions;
  /** Compress on this thread rather than libuv's pool (`resealPieces`): the sealing thread does. */
  compressInline?: boolean | undefined;
  /** Where the segments' bytes go (the rows' `data` when unset). */
  bytes?: SegmentBytes | undefined;
  /** Called at each step; a test throws from it to simulate a crash there. */
  onStep?: ((step: SealStep) => void | Promise<void>) | undefined;
}

export interface SealResult {
  batches: number;
  segments: number;
  lines: number;
}

/**
 * Moves the oldest unsealed batches into full-compression segments. On SQLite, reading and encoding happen
 * outside any transaction (they take the most time, and appends must not wait on them: a transaction holds
 * the file's write lock); one transaction then deletes the batch rows and inserts the segments. A crash
 * before that commit leaves the batches as they were, after it leaves the segments: nothing is lost or
 * stored twice at any point. If another seal took some of the same batches first, fewer rows are deleted
 * than were read, and this transaction is rolled back rather than store those records a second time.
 *
 * On PostgreSQL, where every node seals, the whole seal is one transaction that first takes the seal's
 * advisory lock (`pg_try_advisory_xact_lock`): a node that does not get it seals nothing this time and
 * looks again later. Every node read and encoded the same oldest batches before, and all but one rolled
 * back; now each batch is encoded once. The transaction holds no row a writer needs until its deletes,
 * so appends go on meanwhile.
 */
export async function sealBatches(store: Store, options: SealOptions, now: string): Promise<SealResult> {
  if (store.dialect.name !== "postgres")
    return sealSteps(store, (work) => store.transaction(work), options, now);
  return store.transaction(async (tx) => {
    // Keyed by schema too: advisory locks are the database's, and stores in other schemas of it (tests,
    // deployments sharing one database) seal their own batches, which this seal must not hold off.
    const { rows } = await sql<{ held: boolean }>`
      select pg_try_advisory_xact_lock(${SEAL_LOCK_KEY}, hashtext(current_schema())) as held`.execute(tx.db);
    if (rows[0]?.held !== true) return NOTHING_SEALED;
    return sealSteps(tx, (work) => work(tx), options, now);
  });
}

/** The advisory lock key of the seal on PostgreSQL ("LWSE"). */
export const SEAL_LOCK_KEY = 0x4c575345;
const NOTHING_SEALED: SealResult = { batches: 0, segments: 0, lines: 0 };

/** A seal's steps: batches read through `reads`, segments committed in `commit`'s transaction. */
async function sealSteps(
  reads: StoreScope,
  commit: (work: (tx: StoreTransaction) => Promise<void>) => Promise<void>,
  options: SealOptions,
  now: string,
): Promise<SealResult> {
  const batches = await oldestBatches(reads, options.maxLinesPerSeal);
  if (batches.length === 0) return NOTHING_SEALED;
  await options.onStep?.("read");
  // Rows go from the batches' columns to the segments as stored: no record is built (`resealPieces`).
  const segments = await resealPieces(
    batches.map((b) => b.data),
    options.segmentLines,
    options.compression,
    options.compressInline,
  );
  const lines = batches.reduce((sum, b) => sum + b.count, 0);
  await options.onStep?.("encoded");
  // The bytes first (objects, in object storage), then the rows that name them: a crash between leaves
  // objects no row names, which the orphan collector deletes, never a row without its bytes.
  const bytes = options.bytes ?? databaseSegmentBytes();
  const placed = await placeSegments(bytes, segments);
  let workEnded = false;
  await withPlacedSegments(
    bytes,
    placed,
    () => workEnded,
    async () => {
      await options.onStep?.("placed");
      await commit(async (tx) => {
        const deleted = await tx.db
          .deleteFrom("log_batches")
          .where(
            "first_ref",
            "in",
            batches.map((b) => b.firstRef),
          )
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) !== batches.length) throw new SealRaceError();
        await options.onStep?.("deleted");
        for (const segment of placed) await insertSegment(tx, segment, now);
        await options.onStep?.("inserted");
        workEnded = true;
      });
    },
  );
  return { batches: batches.length, segments: segments.length, lines };
}

/**
 * Another sealer (another node's, on PostgreSQL) took some of the same batches first. Nothing was sealed
 * twice and nothing is lost: the other seal has them. Not a failure to report, only a reason to look again.
 */
export class SealRaceError extends Error {
  constructor() {
    super("another seal took some of these batches first; nothing sealed");
    this.name = "SealRaceError";
  }
}

/**
 * A sealed segment split for storing (`splitStoredDigits`: the digit filter goes to its own table only),
 * its bytes put where `SegmentBytes` keeps them, and what its row is to record of them.
 */
export interface PlacedSegment {
  meta: SegmentMeta;
  digits: Uint8Array | null;
  placed: PlacedBytes;
}

/** Splits each sealed segment and puts its bytes (objects written side by side), before any row. */
export async function placeSegments(
  bytes: SegmentBytes,
  sealed: readonly Uint8Array[],
): Promise<PlacedSegment[]> {
  return Promise.all(
    sealed.map(async (whole) => {
      const { segment, digits } = splitStoredDigits(whole);
      const meta = readSegmentMeta(segment);
      return { meta, digits, placed: await bytes.put(meta.firstRef, segment) };
    }),
  );
}

/**
 * Runs `commit` (the transaction that inserts the rows of `placed`). When it fails before its work ended
 * (`workEnded` false), the transaction surely rolled back, and the objects put for it are deleted at once
 * (the collector would, later). A failure after the work ended (the COMMIT itself: a lost connection) may
 * have committed, so its objects are left to the collector, which deletes them only if no row names them.
 */
export async function withPlacedSegments<T>(
  bytes: SegmentBytes,
  placed: readonly PlacedSegment[],
  workEnded: () => boolean,
  commit: () => Promise<T>,
): Promise<T> {
  try {
    return await commit();
  } catch (error) {
    if (workEnded()) throw error;
    const keys = placed.flatMap((p) => (p.placed.objectKey === null ? [] : [p.placed.objectKey]));
    // Best effort: what is not deleted now is an orphan the collector deletes.
    if (keys.length > 0) await bytes.delete(keys).catch(() => {});
    throw error;
  }
}

/**
 * Inserts a sealed segment's row, its columns read from the segment's own metadata, and its stored digit
 * filter's row (migration 021) when it has one. `sealed`: a segment placed by `placeSegments`, or a
 * segment's bytes, which go in the row.
 */
export async function insertSegment(
  tx: StoreTransaction,
  sealed: Uint8Array | PlacedSegment,
  sealedAt: string,
): Promise<void> {
  const { meta, digits, placed } = sealed instanceof Uint8Array ? placedInRow(sealed) : sealed;
  const inserted = await tx.db
    .insertInto("log_segments")
    .values({
      first_ref: meta.firstRef,
      last_ref: meta.firstRef + meta.count - 1,
      count: meta.count,
      min_time: meta.minTimestamp,
      max_time: meta.maxTimestamp,
      min_severity: meta.minSeverity,
      max_severity: meta.maxSeverity,
      data: placed.data,
      ...(placed.objectKey === null ? {} : { object_key: placed.objectKey }),
      sealed_at: sealedAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (digits !== null)
    await tx.db.insertInto("log_segment_digits").values({ segment_id: inserted.id, digits }).execute();
}

/** A sealed segment whose bytes go in its row, as every segment's did before object storage. */
function placedInRow(sealed: Uint8Array): PlacedSegment {
  const { segment, digits } = splitStoredDigits(sealed);
  return { meta: readSegmentMeta(segment), digits, placed: { data: segment, objectKey: null } };
}

/**
 * Whether a seal is due (unsealed batches hold `lines` lines or more, or the oldest was appended
 * `maxAgeMs` ago or more), waits (batches below both), or nothing is unsealed (`none`: the store is idle).
 */
export async function sealState(
  store: Store,
  due: { lines: number; maxAgeMs: number },
  now: Date,
): Promise<"due" | "waiting" | "none"> {
  const row = await store.db
    .selectFrom("log_batches")
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number>("count"), sql<number>`0`).as("lines"),
      eb.fn.min("created_at").as("oldest"),
    ])
    .executeTakeFirst();
  if (!row || row.oldest === null) return "none";
  return Number(row.lines) >= due.lines || now.getTime() - Date.parse(row.oldest) >= due.maxAgeMs
    ? "due"
    : "waiting";
}

/**
 * Retention: deletes the segments and batches whose newest record is older than `time`, whole (a piece
 * holding any newer record stays, with its older ones). The objects of the segments' rows are deleted
 * once the rows' deletion committed: a crash (or a failed delete) between the two leaves objects no row
 * names, which the orphan collector deletes; deleting them first could leave a row without its bytes.
 */
export async function dropPiecesBefore(
  store: Store,
  time: string,
  bytes: SegmentBytes = databaseSegmentBytes(),
): Promise<{ segments: number; batches: number }> {
  const dropped = await store.transaction(async (tx) => {
    await tx.db
      .deleteFrom("log_segment_digits")
      .where("segment_id", "in", (eb) =>
        eb.selectFrom("log_segments").select("id").where("max_time", "<", time),
      )
      .execute();
    // The keys come back with the deletion itself, so no row committed meanwhile is missed or added.
    const segments = await tx.db
      .deleteFrom("log_segments")
      .where("max_time", "<", time)
      .returning("object_key")
      .execute();
    const batches = await tx.db.deleteFrom("log_batches").where("max_time", "<", time).executeTakeFirst();
    const keys = segments.flatMap((r) => (r.object_key === null ? [] : [r.object_key]));
    return { segments: segments.length, batches: Number(batches.numDeletedRows), keys };
  });
  // Best effort, as above: the sweep's rows are gone whether or not this succeeds.
  await bytes.delete(dropped.keys).catch(() => {});
  return { segments: dropped.segments, batches: dropped.batches };
}

interface StoredBatch {
  firstRef: number;
  count: number;
  data: Uint8Array;
}

/** The oldest batches (by reference) holding up to `maxLines` lines, at least one batch. */
async function oldestBatches(store: StoreScope, maxLines: number): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  let lines = 0;
  let from = 0;
  // In pages, so a backlog of many batches is not read whole for one seal.
  while (lines < maxLines) {
    const rows = await store.db
      .selectFrom("log_batches")
      .select(["first_ref", "count", "data"])
      .where("first_ref", ">", from)
      .orderBy("first_ref")
      .limit(64)
      .execute();
    for (const r of rows) {
      if (out.length > 0 && lines + Number(r.count) > maxLines) return out;
      out.push({ firstRef: Number(r.first_ref), count: Number(r.count), data: r.data });
      lines += Number(r.count);
    }
    if (rows.length < 64) break;
    from = out.at(-1)!.firstRef;
  }
  return out;
}

/**
 * Records (in reference order) cut into segments of consecutive references, at most `segmentLines` each,
 * a run cut evenly (20,000 lines at 16,384: two of 10,000, not 16,384 and 3,616).
 */
export function cutIntoSegments(
  records: readonly SegmentRecordWithRef[],
  segmentLines: number,
): SegmentRecordWithRef[][] {
  const runs: SegmentRecordWithRef[][] = [];
  let run: SegmentRecordWithRef[] = [];
  for (const r of records) {
    if (run.length > 0 && r.ref !== run.at(-1)!.ref + 1) {
      runs.push(run);
      run = [];
    }
    run.push(r);
  }
  if (run.length > 0) runs.push(run);
  return runs.flatMap((whole) => {
    const parts = Math.ceil(whole.length / segmentLines);
    const size = Math.ceil(whole.length / parts);
    const out: SegmentRecordWithRef[][] = [];
    for (let i = 0; i < whole.length; i += size) out.push(whole.slice(i, i + size));
    return out;
  });
}
