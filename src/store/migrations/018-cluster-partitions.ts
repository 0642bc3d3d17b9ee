import type { Kysely } from "kysely";

/**
 * Issue 16: partition ownership between nodes (src/distribution). Created on both dialects so one
 * migration list serves both, but only a cluster on PostgreSQL writes them.
 *
 * - `cluster_partitions`: one row per partition. `owner` holds it until `lease_until` (epoch ms, the
 *   database's clock, so the nodes' clocks do not matter); `epoch` grows at every claim and fences a node
 *   that lost the partition while it was stalled: each of its writes checks the epoch it claimed.
 * - `cluster_nodes`: each node's last heartbeat, so a node knows how many share the partitions.
 * - `cluster_handoffs`: the hand-off messages whose records are committed, written in the same
 *   transaction, so a message redelivered after its owner died between commit and acknowledgement is
 *   recognised and not processed twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("cluster_partitions")
    .ifNotExists()
    .addColumn("partition", "integer", (c) => c.primaryKey())
    .addColumn("owner", "text")
    .addColumn("epoch", "bigint", (c) => c.notNull().defaultTo(0))
    .addColumn("lease_until", "bigint", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable("cluster_nodes")
    .ifNotExists()
    .addColumn("node", "text", (c) => c.primaryKey())
    .addColumn("seen_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createTable("cluster_handoffs")
    .ifNotExists()
    .addColumn("message_id", "text", (c) => c.primaryKey())
    .addColumn("partition", "integer", (c) => c.notNull())
    .addColumn("done_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("cluster_handoffs_done_at")
    .ifNotExists()
    .on("cluster_handoffs")
    .column("done_at")
    .execute();
}
