import type { Kysely } from "kysely";

/**
 * Issue 45 item 3: the facts that cross streams, passed from a cluster's stream partitions to the one
 * owner that judges users and addresses across streams (src/distribution/entity-owner.ts). A partition
 * writes a row for each record that states an authentication event, in the transaction that stores the
 * record; the owner reads, judges and deletes rows in the transaction that stores its findings and state,
 * so each fact is judged exactly once, whichever node wrote it and whichever holds the owner's lease.
 * `record` is the parsed record as JSON (its store id included: findings cite it as evidence). Created on
 * both dialects so one migration list serves both; only a cluster on PostgreSQL writes it.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  await db.schema
    .createTable("cluster_entity_outbox")
    .ifNotExists()
    .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
      dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn("record", "text", (c) => c.notNull())
    .execute();
}
