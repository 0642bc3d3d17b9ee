import type { Kysely } from "kysely";
import type { Store, StoreTransaction } from "../db.js";
import { toJsonText } from "../json.js";
import type { Database } from "../schema.js";
import type { AnomalyRow } from "./anomalies.js";
import { loadState } from "./state.js";

/**
 * Which anomalies are left to queue for the notification sinks: those whose `sinks_queued_at` is null
 * (migration 015). The mark is set in the transaction that inserts the anomaly's deliveries, so a crash
 * leaves both or neither, and it replaces a watermark of the highest anomaly id queued: PostgreSQL
 * sequence values are not in commit order when several writers insert, so a watermark could pass an
 * anomaly that committed after a higher id, which was then never notified.
 */

/** Before migration 015: the highest anomaly id the sinks had queued. Converted once, then deleted. */
export const LEGACY_WATERMARK_KEY = "sinks:anomaly-watermark";

/**
 * Written when sinks first start on this store: from then on every anomaly stored is queued for them,
 * and what was stored before it is history, never notified.
 */
export const SINKS_SINCE_KEY = "sinks:since";

export type SinkHistory =
  /** Sinks ran on this store before: nothing to convert. */
  | "known"
  /** First start with sinks: every anomaly stored so far counts as queued. */
  | "first-start"
  /** A store that used the watermark: anomalies up to it count as queued, those after it are queued now. */
  | "from-watermark";

/**
 * Runs once per store, at the first start of sinks: the anomalies stored until then count as queued
 * without deliveries, so configuring sinks does not send the store's history, and a store upgraded from
 * the watermark keeps its meaning (ids up to it were queued, the ones after it were not yet).
 *
 * One transaction, which begins by inserting `SINKS_SINCE_KEY`: of two processes starting at once, the
 * second's insert waits for the first's commit (PostgreSQL's unique key; SQLite's `BEGIN IMMEDIATE`),
 * finds the row and converts nothing, so anomalies the first has queued since are not touched.
 */
export async function adoptSinkHistory(
  store: Pick<Store, "db" | "transaction">,
  now: string,
): Promise<SinkHistory> {
  // Every start after the first: a read, no write transaction.
  if ((await loadState(store.db, SINKS_SINCE_KEY)) !== undefined) return "known";
  return store.transaction(async ({ db }) => {
    const inserted = await db
      .insertInto("state")
      .values({ key: SINKS_SINCE_KEY, value: toJsonText({ since: now }), updated_at: now })
      .onConflict((oc) => oc.column("key").doNothing())
      .returning("key")
      .execute();
    if (inserted.length === 0) return "known";
    const watermark = await loadState(db, LEGACY_WATERMARK_KEY);
    const queuedUpTo = typeof watermark === "number" ? watermark : undefined;
    let history = db
      .updateTable("anomalies")
      .set({ sinks_queued_at: now })
      .where("sinks_queued_at", "is", null);
    if (queuedUpTo !== undefined) history = history.where("id", "<=", queuedUpTo);
    await history.execute();
    if (watermark !== undefined)
      await db.deleteFrom("state").where("key", "=", LEGACY_WATERMARK_KEY).execute();
    return queuedUpTo === undefined ? "first-start" : "from-watermark";
  });
}

/** Whether any anomaly is left to queue: a look at the partial index, outside any transaction. */
export async function hasUnqueuedAnomalies(db: Kysely<Database>): Promise<boolean> {
  const row = await db
    .selectFrom("anomalies")
    .select("id")
    .where("sinks_queued_at", "is", null)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Takes up to `limit` anomalies not yet queued, oldest first, locked for the transaction `tx` until it
 * marks them (`markAnomaliesQueued`). PostgreSQL skips rows another transaction holds (the dialect's
 * `skipLocked`), so two dispatchers catching up at once take different anomalies instead of waiting or
 * queueing one twice, and a repeat merging into a taken anomaly waits for the mark, then clears it: its
 * new form is queued by the next pass. SQLite's `BEGIN IMMEDIATE` already makes the whole pass the one
 * writer. (The unique (anomaly, sink) key of `deliveries` would stop a duplicate delivery by itself, but
 * not a pass marking a form it never routed, which the lock does.)
 */
export async function takeUnqueuedAnomalies(tx: StoreTransaction, limit: number): Promise<AnomalyRow[]> {
  return tx.dialect
    .skipLocked(
      tx.db
        .selectFrom("anomalies")
        .selectAll()
        .where("sinks_queued_at", "is", null)
        .orderBy("id")
        .limit(limit),
    )
    .execute();
}

/** Marks anomalies as queued for the sinks; in the transaction that inserted their deliveries. */
export async function markAnomaliesQueued(
  tx: StoreTransaction,
  ids: readonly number[],
  now: string,
): Promise<void> {
  if (ids.length === 0) return;
  await tx.db.updateTable("anomalies").set({ sinks_queued_at: now }).where("id", "in", ids).execute();
}
