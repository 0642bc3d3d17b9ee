import { type Kysely, sql } from "kysely";

/**
 * Issue 21, seam 6: each anomaly says whether its current form was handed to the notification sinks,
 * instead of the sinks remembering the highest anomaly id they queued (state `sinks:anomaly-watermark`).
 * PostgreSQL sequence values are not in commit order when several writers insert, so an anomaly with a
 * lower id could commit after the watermark had passed it and never be notified.
 *
 * `sinks_queued_at` is null until the sink dispatcher has queued the anomaly's deliveries, in the same
 * transaction; a repeat merged into the anomaly sets it back to null (repos/anomalies.ts). The partial
 * index holds only the rows not yet queued, so the dispatcher's "what is left to queue" is an index walk
 * over a handful of rows however many anomalies are stored. SQLite (3.8+) and PostgreSQL both have partial
 * indexes with the same syntax, so this is not a dialect capability.
 *
 * Existing rows start as null; the dispatcher's first start converts them (repos/sink-queue.ts): with the
 * old watermark, ids up to it count as queued; without one (sinks never ran), they are history.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("anomalies").addColumn("sinks_queued_at", "text").execute();
  await db.schema
    .createIndex("idx_anomalies_sinks_unqueued")
    .ifNotExists()
    .on("anomalies")
    .column("id")
    .where(sql.ref("sinks_queued_at"), "is", null)
    .execute();
}
