import { type Kysely, sql } from "kysely";

/**
 * Issue 18: each sealed segment's stored digit filter (its `digits` block,
 * src/store/columnar/stored-digit-filter.ts) in a table of its own, keyed by the segment's id. A search for a number or an id reads every segment's
 * filter in one statement (about 2 KB each) instead of every segment's bytes: the filter is inside the
 * segment too (format version 2, so a segment stays whole on its own), but SQLite reads a blob's whole
 * overflow chain to return any of it, and the segments' bytes over 10M lines took longer to read than all
 * the rest of such a search. Segments without a row (written before this migration) are read as before.
 * Retention deletes a segment's row with it (`dropPiecesBefore`).
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const blob = dialect === "postgres" ? sql`bytea` : sql`blob`;
  await db.schema
    .createTable("log_segment_digits")
    .ifNotExists()
    .addColumn("segment_id", "bigint", (c) => c.primaryKey())
    .addColumn("digits", blob, (c) => c.notNull())
    .execute();
}
