import type { Kysely } from "kysely";

/**
 * Issue 45 item 2: each cluster node's `CLUSTER_MESSAGE_RECORDS`, written with its heartbeat. The ids of a
 * keyed request's hand-off messages name its chunks of that many records, so a resend chunked otherwise by
 * another node would be stored again: a node refuses to start while live nodes use another value. Null for
 * a node of an earlier version (it says nothing, and is not held against anyone).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("cluster_nodes").addColumn("message_records", "integer").execute();
}
