import { type ExpressionBuilder, type Kysely, type Selectable, sql } from "kysely";
import type { SinkAnomaly } from "../../core/sink.js";
import type { StoreScope } from "../db.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database, DeliveriesTable } from "../schema.js";

export type DeliveryStatus = "pending" | "delivered" | "failed" | "dead";
export type DeliveryRow = Selectable<DeliveriesTable>;

/**
 * Queues one delivery per (anomaly, sink); an existing pair is left alone (a repeat of an anomaly is not
 * sent again). Returns the sink of each delivery that is new.
 */
export async function enqueueDeliveries(
  db: Kysely<Database>,
  rows: readonly { anomaly: SinkAnomaly; sink: string }[],
  now: string,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await db
    .insertInto("deliveries")
    .values(
      rows.map((r) => ({
        anomaly_id: r.anomaly.id,
        sink: r.sink,
        status: "pending",
        attempts: 0,
        last_error: null,
        payload: toJsonText(r.anomaly),
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
        delivered_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(["anomaly_id", "sink"]).doNothing())
    .returning("sink")
    .execute();
  return inserted.map((r) => r.sink);
}

/**
 * Claims up to `limit` deliveries of one sink that are due now (pending, or failed with their backoff
 * elapsed) and not held by a live claim, oldest first: each row gets `owner` and a lease until
 * `leaseUntil`, in one statement, so another process (another node on PostgreSQL, a second `serve` on
 * one SQLite file) can never claim and send the same delivery meanwhile. A claim whose lease ran out
 * (its process died mid-send) is due again.
 *
 * The one difference between the databases is the dialect's `skipLocked`: PostgreSQL locks the chosen
 * rows with `FOR UPDATE SKIP LOCKED`, so concurrent claimers take different rows instead of queueing
 * behind each other; SQLite needs no row locks, since a write statement holds the database's single write
 * lock from start to end. The outer `where` repeats the claim condition: a PostgreSQL row changed by a
 * concurrent claim between our snapshot and our lock is re-checked against it and left out.
 */
export async function claimDeliveries(
  scope: StoreScope,
  claim: { sink: string; owner: string; now: string; leaseUntil: string; limit: number },
): Promise<(DeliveryRow & { anomaly: SinkAnomaly })[]> {
  const { sink, owner, now, leaseUntil, limit } = claim;
  const claimable = (eb: ExpressionBuilder<Database, "deliveries">) =>
    eb.and([
      eb("sink", "=", sink),
      eb("status", "in", ["pending", "failed"]),
      eb("next_attempt_at", "<=", now),
      eb.or([eb("claim_expires_at", "is", null), eb("claim_expires_at", "<=", now)]),
    ]);
  const { db, dialect } = scope;
  const pick = dialect.skipLocked(
    db.selectFrom("deliveries").select("id").where(claimable).orderBy("id").limit(limit),
  );
  // The choice is a materialised CTE, evaluated once: as `id in (subquery)` PostgreSQL may run the
  // subquery again per row it updates, and with SKIP LOCKED each run can pick other rows (the test
  // claimed 3 rows with a limit of 2).
  const rows = await db
    .with(
      (wb) => wb("picked").materialized(),
      () => pick,
    )
    .updateTable("deliveries")
    .set({ claimed_by: owner, claim_expires_at: leaseUntil })
    .where("id", "in", (eb) => eb.selectFrom("picked").select("id"))
    .where(claimable)
    .returningAll()
    .execute();
  // `returning` gives no order; the oldest goes first, as it was queued.
  rows.sort((a, b) => a.id - b.id);
  return rows.map((r) => ({ ...r, anomaly: fromJsonText(r.payload, {}) as unknown as SinkAnomaly }));
}

/**
 * Records what became of a claimed delivery and releases the claim. Only the claim's owner can: when a
 * lease ran out and another process took the delivery over, the late result of the first is dropped
 * (false) rather than overwrite the second's.
 */
export async function markDelivery(
  db: Kysely<Database>,
  id: number,
  owner: string,
  update: { status: DeliveryStatus; attempts: number; lastError: string | null; nextAttemptAt?: string },
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable("deliveries")
    .set({
      status: update.status,
      attempts: update.attempts,
      last_error: update.lastError,
      updated_at: now,
      claimed_by: null,
      claim_expires_at: null,
      ...(update.nextAttemptAt ? { next_attempt_at: update.nextAttemptAt } : {}),
      ...(update.status === "delivered" ? { delivered_at: now } : {}),
    })
    .where("id", "=", id)
    .where("claimed_by", "=", owner)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Waiting deliveries per sink (pending or failed), for the backlog gauge. */
export async function backlogBySink(db: Kysely<Database>): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("deliveries")
    .select(["sink", sql<number>`count(*)`.as("n")])
    .where("status", "in", ["pending", "failed"])
    .groupBy("sink")
    .execute();
  return new Map(rows.map((r) => [r.sink, Number(r.n)]));
}

export async function listDeliveries(
  db: Kysely<Database>,
  filter: { sink?: string; status?: DeliveryStatus } = {},
) {
  let q = db.selectFrom("deliveries").selectAll().orderBy("id");
  if (filter.sink) q = q.where("sink", "=", filter.sink);
  if (filter.status) q = q.where("status", "=", filter.status);
  return q.execute();
}
