import type { Kysely } from "kysely";

/**
 * Issue 45 item 6: a sealed segment's bytes may live in S3-compatible object storage instead of its row
 * (src/store/segments/segment-bytes.ts). `object_key` names the object; null (every row written before
 * this, and every row with `SEGMENT_STORAGE=database`) keeps the bytes in `data` as before, so nothing is
 * moved. A row whose bytes are an object keeps an empty `data` (the column stays NOT NULL: SQLite cannot
 * drop that without rebuilding the table and its triggers).
 *
 * Unique: one object is never named by two rows, and the orphan collector asks by key which objects a
 * row names.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("log_segments").addColumn("object_key", "text").execute();
  await db.schema
    .createIndex("idx_log_segments_object_key")
    .ifNotExists()
    .unique()
    .on("log_segments")
    .column("object_key")
    .execute();
}
