import type { Kysely } from "kysely";

/**
 * Seam 6 of issue 21: state a partition can carry alone, and watermarks in commit order.
 * - `ingest_batches`: one row per committed pipeline batch, written in the batch's transaction; its id
 *   tags the state saved after it, so a restart knows which batches the state includes.
 * - `source_submissions`: per source, the highest submission number committed, written in the same
 *   transaction as the submission's rows. It replaces settling a crash by `max(logs.id)` and a text
 *   search of `metadata`: PostgreSQL sequence values are not in commit order when several writers insert.
 * - `partition_state`: miner and detector state per partition (stream), each row tagged with the batch
 *   it reflects; only partitions a batch changed are written again.
 * - `deliveries.claimed_by`/`claim_expires_at`: a delivery is claimed (with a lease) before it is sent,
 *   so two processes never send one notification; a lease that ran out (its process died) is taken over.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  await db.schema
    .createTable("ingest_batches")
    .ifNotExists()
    .addColumn("id", dialect === "postgres" ? "serial" : "integer", (c) =>
      dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("records", "integer", (c) => c.notNull())
    .addColumn("committed_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("source_submissions")
    .ifNotExists()
    .addColumn("source", "text", (c) => c.primaryKey())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("batch_id", "integer", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("partition_state")
    .ifNotExists()
    .addColumn("partition", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("batch_id", "integer", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.alterTable("deliveries").addColumn("claimed_by", "text").execute();
  await db.schema.alterTable("deliveries").addColumn("claim_expires_at", "text").execute();
}
