import { sql } from "kysely";
import { type CompressionOptions, encodeSegmentAsync, type SegmentRecord } from "../columnar/index.js";
import type { Store } from "../db.js";
import { countLogs } from "../repos/logs.js";
import { currentTemplateTexts } from "../repos/templates.js";
import { cutIntoSegments, insertSegment, placeSegments, withPlacedSegments } from "./sealer.js";
import type { SegmentBytes } from "./segment-bytes.js";
import { databaseSegmentBytes } from "./segment-bytes-db.js";

export interface ConversionProgress {
  /** Lines moved into segments so far by this call. */
  converted: number;
  /** Lines the `logs` table held when the call began. */
  total: number;
}

export interface ConversionOptions {
  /** Lines read, encoded and committed at a time (one segment's worth, at most). */
  segmentLines: number;
  compression?: CompressionOptions;
  /** Lines the `logs` table holds, when the caller has counted them already. */
  total?: number;
  /** Called after each committed chunk. */
  onProgress?: (progress: ConversionProgress) => void;
  /** Where the segments' bytes go (`SEGMENT_STORAGE`): their rows' `data` when unset. */
  bytes?: SegmentBytes;
}

/**
 * Moves every row of the `logs` table into sealed segments under its own id as its reference, so
 * anomaly evidence and every other stored reference still finds its line. Each chunk is one transaction:
 * the segments inserted, the rows deleted, `log_refs` raised past them (the segment store issues new
 * references above it). A crash between chunks leaves some lines in each table and the next start goes
 * on from there; a second node converting at the same time deletes fewer rows than this one read, and
 * this chunk rolls back and reads again.
 *
 * Segments are full-compression at once (not batches), since nothing waits on them being cheap here.
 */
export async function convertLogsTable(
  store: Store,
  options: ConversionOptions,
): Promise<ConversionProgress> {
  const total = options.total ?? (await countLogs(store.db));
  const progress: ConversionProgress = { converted: 0, total };
  for (;;) {
    const rows = await store.db
      .selectFrom("logs")
      .select([
        "id",
        "timestamp",
        "observed_at",
        "service",
        "host",
        "level",
        "severity_number",
        "message",
        "metadata",
        "resource",
        "stream",
        "template_id",
      ])
      .orderBy("id")
      .limit(options.segmentLines)
      .execute();
    if (rows.length === 0) return progress;
    // Current texts (the codec keeps a message that no longer fits its template verbatim).
    const templates = await currentTemplateTexts(store.db, [
      ...new Set(rows.map((r) => r.template_id).filter((id): id is string => id !== null)),
    ]);
    const records = rows.map((r): SegmentRecord & { ref: number } => ({
      ref: Number(r.id),
      timestamp: r.timestamp,
      observedAt: r.observed_at,
      service: r.service,
      host: r.host,
      level: r.level,
      severityNumber: Number(r.severity_number),
      message: r.message,
      attributes: r.metadata,
      resource: r.resource,
      stream: r.stream,
      templateId: r.template_id,
      template: r.template_id === null ? null : (templates.get(r.template_id) ?? null),
    }));
    const segments: Uint8Array[] = [];
    for (const run of cutIntoSegments(records, options.segmentLines))
      segments.push(await encodeSegmentAsync(run[0]!.ref, run, options.compression ?? {}));
    const first = records[0]!.ref;
    const last = records.at(-1)!.ref;
    // The bytes before the rows that name them, as a seal does (`sealSteps`).
    const bytes = options.bytes ?? databaseSegmentBytes();
    const placed = await placeSegments(bytes, segments);
    let workEnded = false;
    const moved = await withPlacedSegments(
      bytes,
      placed,
      () => workEnded,
      () =>
        store.transaction(async (tx) => {
          const deleted = await tx.db
            .deleteFrom("logs")
            .where("id", ">=", first)
            .where("id", "<=", last)
            .executeTakeFirst();
          if (Number(deleted.numDeletedRows) !== records.length) throw new ChunkTakenError();
          const sealedAt = new Date().toISOString();
          for (const segment of placed) await insertSegment(tx, segment, sealedAt);
          await sql`update log_refs set last_ref = ${last} where id = 1 and last_ref < ${last}`.execute(
            tx.db,
          );
          workEnded = true;
          return true;
        }),
    ).catch((error: unknown) => {
      if (error instanceof ChunkTakenError) return false;
      throw error;
    });
    if (moved) {
      progress.converted += records.length;
      options.onProgress?.({ ...progress });
    }
  }
}

/** Whether the segment store holds anything (sealed or not). */
export async function segmentsInUse(store: Store): Promise<boolean> {
  const [segment, batch] = await Promise.all([
    store.db.selectFrom("log_segments").select("first_ref").limit(1).executeTakeFirst(),
    store.db.selectFrom("log_batches").select("first_ref").limit(1).executeTakeFirst(),
  ]);
  return segment !== undefined || batch !== undefined;
}

class ChunkTakenError extends Error {
  constructor() {
    super("another node converted some of these lines first");
  }
}
