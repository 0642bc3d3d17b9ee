import { type Kysely, type Selectable, sql } from "kysely";
import type { SinkAnomaly } from "../../core/sink.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database, DeliveriesTable } from "../schema.js";

export type DeliveryStatus = "pending" | "delivered" | "failed" | "dead";
export type DeliveryRow = Selectable<DeliveriesTable>;

/** Queues one delivery per (anomaly, sink); an existing pair is left alone. Returns how many were new. */
export async function enqueueDeliveries(
  db: Kysely<Database>,
  rows: readonly { anomaly: SinkAnomaly; sink: string }[],
  now: string,
): Promise<number> {
  if (rows.length === 0) return 0;
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
    .returning("id")
    .execute();
  return inserted.length;
}

/** Deliveries of one sink that are due now (pending, or failed with their backoff elapsed), oldest first. */
export async function dueDeliveries(
  db: Kysely<Database>,
  sink: string,
  now: string,
  limit: number,
): Promise<(DeliveryRow & { anomaly: SinkAnomaly })[]> {
  const rows = await db
    .selectFrom("deliveries")
    .selectAll()
    .where("sink", "=", sink)
    .where("status", "in", ["pending", "failed"])
    .where("next_attempt_at", "<=", now)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, anomaly: fromJsonText(r.payload, {}) as unknown as SinkAnomaly }));
}

export async function markDelivery(
  db: Kysely<Database>,
  id: number,
  update: { status: DeliveryStatus; attempts: number; lastError: string | null; nextAttemptAt?: string },
  now: string,
): Promise<void> {
  await db
    .updateTable("deliveries")
    .set({
      status: update.status,
      attempts: update.attempts,
      last_error: update.lastError,
      updated_at: now,
      ...(update.nextAttemptAt ? { next_attempt_at: update.nextAttemptAt } : {}),
      ...(update.status === "delivered" ? { delivered_at: now } : {}),
    })
    .where("id", "=", id)
    .execute();
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
