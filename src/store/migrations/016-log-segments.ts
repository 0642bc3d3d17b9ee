import { type ColumnDefinitionBuilder, type Kysely, sql } from "kysely";

/**
 * Issue 18: a log store that keeps records in template-columnar segments (src/store/segments), beside the
 * `logs` table, which stays (system 004's contract) and is still what the service writes.
 *
 * - `log_batches`: the write-ahead step. One row per `append` (a batch of records encoded by the segment
 *   codec at its cheapest setting), written in the caller's transaction, so a batch is durable exactly
 *   when that transaction commits.
 * - `log_segments`: sealed segments, each the merge of consecutive batches at full compression, with the
 *   reference range, time range and severity range a reader needs to skip one without decoding it.
 * - `log_refs`: one row, the greatest reference this store ever issued. References are allocated from it
 *   rather than from the greatest one stored, because retention deletes the newest rows too once they
 *   are old: a reference issued again would make old anomaly evidence point at another line.
 *
 * Times are ISO-8601 texts compared as texts, as `logs.timestamp` is.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  const pg = dialect === "postgres";
  const blob = pg ? sql`bytea` : sql`blob`;
  const idCol = (c: ColumnDefinitionBuilder) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement());

  await db.schema
    .createTable("log_refs")
    .ifNotExists()
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("last_ref", "bigint", (c) => c.notNull())
    .execute();
  await sql`insert into log_refs (id, last_ref) values (1, 0)`.execute(db);

  await db.schema
    .createTable("log_batches")
    .ifNotExists()
    .addColumn("first_ref", "bigint", (c) => c.primaryKey())
    .addColumn("last_ref", "bigint", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("min_time", "text", (c) => c.notNull())
    .addColumn("max_time", "text", (c) => c.notNull())
    .addColumn("min_severity", "integer", (c) => c.notNull())
    .addColumn("max_severity", "integer", (c) => c.notNull())
    .addColumn("data", blob, (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("log_segments")
    .ifNotExists()
    // A segment's id is never reused (SQLite AUTOINCREMENT, a PostgreSQL sequence): readers cache parsed
    // segment indexes by it.
    .addColumn("id", pg ? "serial" : "integer", idCol)
    .addColumn("first_ref", "bigint", (c) => c.notNull().unique())
    .addColumn("last_ref", "bigint", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .addColumn("min_time", "text", (c) => c.notNull())
    .addColumn("max_time", "text", (c) => c.notNull())
    .addColumn("min_severity", "integer", (c) => c.notNull())
    .addColumn("max_severity", "integer", (c) => c.notNull())
    .addColumn("data", blob, (c) => c.notNull())
    .addColumn("sealed_at", "text", (c) => c.notNull())
    .execute();
  // A reference's segment: the first whose last reference is at or above it.
  await db.schema
    .createIndex("idx_log_segments_last_ref")
    .ifNotExists()
    .on("log_segments")
    .column("last_ref")
    .execute();
  // Newest-first walks and retention go by the newest record time; oldest-first walks by the oldest.
  await db.schema
    .createIndex("idx_log_segments_max_time")
    .ifNotExists()
    .on("log_segments")
    .column("max_time")
    .execute();
  await db.schema
    .createIndex("idx_log_segments_min_time")
    .ifNotExists()
    .on("log_segments")
    .column("min_time")
    .execute();
}
