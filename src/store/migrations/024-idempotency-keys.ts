import type { Kysely } from "kysely";

/**
 * Issue 45 item 2: `Idempotency-Key` on the ingest routes (docs/api.md, "Sending again: Idempotency-Key").
 * One row per route and key, kept `INGEST_IDEMPOTENCY_HOURS`:
 *
 * - `body_digest`: SHA-256 of the first request (route, query and body bytes); the same key with another
 *   body is refused, never taken for the first.
 * - `records`: on one node, the lines stored with the key, written in the transaction that stores them, so
 *   a resend after any crash finds either both or neither. Null on a cluster node, whose row is a claim
 *   written before the hand-off (the partitions' owners make a resend's hand-off a no-op by message id).
 * - `partial`: what finishing the answer needs when the lines were stored and the process stopped before
 *   it answered (JSON, the route's own).
 * - `answer`: the answer once given (status, type and body), written with whatever the answer wrote
 *   (system 004's incidents) in one transaction; a resend gets it back.
 * - `created_ms`: epoch ms, what the retention sweep goes by.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("idempotency_keys")
    .ifNotExists()
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("body_digest", "text", (c) => c.notNull())
    .addColumn("created_ms", "bigint", (c) => c.notNull())
    .addColumn("records", "integer")
    .addColumn("partial", "text")
    .addColumn("answer", "text")
    .addPrimaryKeyConstraint("idempotency_keys_pkey", ["scope", "key"])
    .execute();
  await db.schema
    .createIndex("idempotency_keys_created_ms")
    .ifNotExists()
    .on("idempotency_keys")
    .column("created_ms")
    .execute();
}
