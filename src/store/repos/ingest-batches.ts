import type { Kysely } from "kysely";
import type { SubmissionRef } from "../../core/source.js";
import type { Database } from "../schema.js";

/**
 * Records one pipeline batch, in the batch's own transaction: a row in `ingest_batches` whose id tags
 * the state saved after it, and each source submission it carries as that source's new watermark.
 * Returns the batch id.
 */
export async function recordBatch(
  db: Kysely<Database>,
  records: number,
  submissions: readonly SubmissionRef[],
  now: string,
): Promise<number> {
  const row = await db
    .insertInto("ingest_batches")
    .values({ records, committed_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  const batchId = Number(row.id);
  if (submissions.length > 0)
    await db
      .insertInto("source_submissions")
      .values(submissions.map((s) => ({ source: s.source, seq: s.seq, batch_id: batchId, updated_at: now })))
      // A source has one submission in flight and numbers them upwards, so the newest is the highest.
      .onConflict((oc) =>
        oc.column("source").doUpdateSet((eb) => ({
          seq: eb.ref("excluded.seq"),
          batch_id: eb.ref("excluded.batch_id"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  return batchId;
}

/** The last batch committed (0 before the first). */
export async function lastBatchId(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("ingest_batches")
    .select((eb) => eb.fn.max("id").as("max"))
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}

/** Forgets batches before `id`: saved state includes them, and nothing else refers to them. */
export async function forgetBatchesBefore(db: Kysely<Database>, id: number): Promise<void> {
  await db.deleteFrom("ingest_batches").where("id", "<", id).execute();
}

/** The highest submission of `source` committed with its records (0: none). */
export async function committedSubmission(db: Kysely<Database>, source: string): Promise<number> {
  const row = await db
    .selectFrom("source_submissions")
    .select("seq")
    .where("source", "=", source)
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}
