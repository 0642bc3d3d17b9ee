import { sql } from "kysely";
import {
  type CompressionOptions,
  readSegmentMeta,
  resealPieces,
  type SegmentRecordWithRef,
  splitStoredDigits,
} from "../columnar/index.js";
import type { Store, StoreScope, StoreTransaction } from "../db.js";

/**
 * The points between a seal's steps, for tests that stop a seal there as a crash would: after the batches
 * were read, after the segments were encoded, and inside the sealing transaction after the batch rows were
 * deleted and after the segments were inserted (a fault there rolls the transaction back, which is what a
 * crash before commit leaves on disk).
 */
export type SealStep = "read" | "encoded" | "deleted" | "inserted";

export interface SealOptions {
  /** Lines per sealed segment, at most. */
  segmentLines: number;
  /** Lines one `seal` call takes from the batches, at most (whole batches; at least one). */
  maxLinesPerSeal: number;
  compression: CompressionOptions;
  /** Compress on this thread rather than libuv's pool (`resealPieces`): the sealing thread does. */
  compressInline?: boolean | undefined;
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
const SEAL_LOCK_KEY = 0x4c575345;
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
    for (const data of segments) await insertSegment(tx, data, now);
    await options.onStep?.("inserted");
  });
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
 * Inserts a sealed segment's row, its columns read from the segment's own metadata, and its stored digit
 * filter's row (migration 021) when it has one.
 */
export async function insertSegment(
  tx: StoreTransaction,
  sealed: Uint8Array,
  sealedAt: string,
): Promise<void> {
  // The digit filter goes to its own table only (`splitStoredDigits`).
  const { segment: data, digits } = splitStoredDigits(sealed);
  const meta = readSegmentMeta(data);
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
      data,
      sealed_at: sealedAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (digits !== null)
    await tx.db.insertInto("log_segment_digits").values({ segment_id: inserted.id, digits }).execute();
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
 * holding any newer record stays, with its older ones).
 */
export async function dropPiecesBefore(
  store: Store,
  time: string,
): Promise<{ segments: number; batches: number }> {
  return store.transaction(async (tx) => {
    await tx.db
      .deleteFrom("log_segment_digits")
      .where("segment_id", "in", (eb) =>
        eb.selectFrom("log_segments").select("id").where("max_time", "<", time),
      )
      .execute();
    const segments = await tx.db.deleteFrom("log_segments").where("max_time", "<", time).executeTakeFirst();
    const batches = await tx.db.deleteFrom("log_batches").where("max_time", "<", time).executeTakeFirst();
    return { segments: Number(segments.numDeletedRows), batches: Number(batches.numDeletedRows) };
  });
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
