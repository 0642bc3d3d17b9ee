import type { Kysely } from "kysely";
import type { Database } from "../schema.js";

/**
 * `idempotency_keys` (migration 024): an ingest request's `Idempotency-Key`, its body's digest, and what
 * the first attempt left: the lines stored (one node), what finishing its answer needs, the answer.
 * The rules of use are src/service/idempotent-requests.ts's; this file only reads and writes rows.
 */
export interface IdempotencyKeyRow {
  digest: string;
  createdMs: number;
  /** Lines stored with the key (one node); null for a cluster node's claim. */
  records: number | null;
  partial: string | null;
  answer: string | null;
}

export interface IdempotencyKeyName {
  scope: string;
  key: string;
}

/** A new row of the key: its name, the body's digest and time, and what this writer knows so far. */
function newRow(
  row: IdempotencyKeyName & { digest: string; createdMs: number },
  known: Pick<IdempotencyKeyRow, "records" | "partial" | "answer">,
) {
  return {
    scope: row.scope,
    key: row.key,
    body_digest: row.digest,
    created_ms: row.createdMs,
    ...known,
  };
}

export async function findIdempotencyKey(
  db: Kysely<Database>,
  { scope, key }: IdempotencyKeyName,
): Promise<IdempotencyKeyRow | undefined> {
  const row = await db
    .selectFrom("idempotency_keys")
    .select(["body_digest", "created_ms", "records", "partial", "answer"])
    .where("scope", "=", scope)
    .where("key", "=", key)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    digest: row.body_digest,
    createdMs: Number(row.created_ms),
    records: row.records === null ? null : Number(row.records),
    partial: row.partial,
    answer: row.answer,
  };
}

/**
 * Writes the key in the transaction that stores its lines (one node). False when a row is there already:
 * another writer took the key first, and the caller must not commit its lines. A bare claim of the same
 * body (written by a cluster node, before this deployment became one node) is taken over.
 */
export async function insertStoredKey(
  db: Kysely<Database>,
  row: IdempotencyKeyName & { digest: string; createdMs: number; records: number; partial: string | null },
): Promise<boolean> {
  const result = await db
    .insertInto("idempotency_keys")
    .values(newRow(row, { records: row.records, partial: row.partial, answer: null }))
    .onConflict((oc) =>
      oc
        .columns(["scope", "key"])
        .doUpdateSet((eb) => ({ records: eb.ref("excluded.records"), partial: eb.ref("excluded.partial") }))
        .where("idempotency_keys.records", "is", null)
        .where("idempotency_keys.answer", "is", null)
        .where("idempotency_keys.body_digest", "=", row.digest),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * A cluster node's claim of the key before it hands the lines off, so that the same key with another body
 * is refused even while no answer is recorded yet. Returns the digest the key holds (this one's when the
 * claim is new).
 */
export async function claimKey(
  db: Kysely<Database>,
  row: IdempotencyKeyName & { digest: string; createdMs: number },
): Promise<string> {
  await db
    .insertInto("idempotency_keys")
    .values(newRow(row, { records: null, partial: null, answer: null }))
    .onConflict((oc) => oc.columns(["scope", "key"]).doNothing())
    .execute();
  return (await findIdempotencyKey(db, row))?.digest ?? row.digest;
}

/**
 * Records the answer, in the transaction of whatever else the answer writes, unless an answer is recorded
 * already (another node's, for a resend that raced the first). Returns whether this one was recorded.
 */
export async function recordAnswer(
  db: Kysely<Database>,
  row: IdempotencyKeyName & { digest: string; createdMs: number; answer: string },
): Promise<boolean> {
  const result = await db
    .insertInto("idempotency_keys")
    .values(newRow(row, { records: null, partial: null, answer: row.answer }))
    .onConflict((oc) =>
      oc
        .columns(["scope", "key"])
        .doUpdateSet((eb) => ({ answer: eb.ref("excluded.answer") }))
        .where("idempotency_keys.answer", "is", null)
        .where("idempotency_keys.body_digest", "=", row.digest),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Removes one key's row if it is still the one created at `createdMs` (an expired row found by a resend). */
export async function deleteIdempotencyKey(
  db: Kysely<Database>,
  { scope, key }: IdempotencyKeyName,
  createdMs: number,
): Promise<void> {
  await db
    .deleteFrom("idempotency_keys")
    .where("scope", "=", scope)
    .where("key", "=", key)
    .where("created_ms", "=", createdMs)
    .execute();
}

/** The retention sweep: forgets keys created before `ms` (epoch ms); returns how many. */
export async function forgetIdempotencyKeysBefore(db: Kysely<Database>, ms: number): Promise<number> {
  const result = await db.deleteFrom("idempotency_keys").where("created_ms", "<", ms).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
