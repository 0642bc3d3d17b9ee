import { type Kysely, sql } from "kysely";
import { likeContains } from "../like.js";
import type { Database } from "../schema.js";
import { type StoredSuppression, toSuppression } from "./verdicts.js";

/** A suppression with the verdict that made it: who, on which anomaly, and why. */
export interface SuppressionView extends StoredSuppression {
  /** Who gave the false-positive verdict (null for a suppression without one). */
  createdBy: string | null;
  anomalyId: number | null;
  /** The verdict's comment. */
  note: string | null;
}

/** `active`: not revoked and not expired at `now`; `lifted`: revoked; `expired`: ran out; `all`. */
export const SUPPRESSION_STATES = ["active", "lifted", "expired", "all"] as const;
export type SuppressionState = (typeof SUPPRESSION_STATES)[number];

export interface SuppressionFilters {
  detector?: string;
  /** The entity (the detector's key, e.g. `ip:10.0.0.5`), matched exactly. */
  key?: string;
  /** Case-insensitive text in the key, detector, reason, template or author. */
  q?: string;
  state: SuppressionState;
  limit: number;
  offset: number;
}

function selectViews(db: Kysely<Database>) {
  return db
    .selectFrom("suppressions as s")
    .leftJoin("verdicts as v", "v.id", "s.verdict_id")
    .selectAll("s")
    .select(["v.actor as created_by", "v.anomaly_id as anomaly_id", "v.note as note"]);
}

type ViewRow = Awaited<ReturnType<ReturnType<typeof selectViews>["execute"]>>[number];

function toView(row: ViewRow): SuppressionView {
  return {
    ...toSuppression(row),
    createdBy: row.created_by,
    anomalyId: row.anomaly_id === null ? null : Number(row.anomaly_id),
    note: row.note,
  };
}

/** Suppressions matching `filters`, newest first, with the total before paging. */
export async function listSuppressions(
  db: Kysely<Database>,
  filters: SuppressionFilters,
  now: string,
): Promise<{ items: SuppressionView[]; total: number }> {
  let q = selectViews(db);
  if (filters.detector) q = q.where("s.detector", "=", filters.detector);
  if (filters.key) q = q.where("s.key", "=", filters.key);
  if (filters.q) {
    const p = likeContains(filters.q);
    q = q.where(
      (eb) =>
        sql<boolean>`(lower(coalesce(${eb.ref("s.key")}, '')) like ${p} escape '\\'
          or lower(${eb.ref("s.detector")}) like ${p} escape '\\'
          or lower(coalesce(${eb.ref("s.reason")}, '')) like ${p} escape '\\'
          or lower(coalesce(${eb.ref("s.template_id")}, '')) like ${p} escape '\\'
          or lower(coalesce(${eb.ref("v.actor")}, '')) like ${p} escape '\\')`,
    );
  }
  if (filters.state === "active")
    q = q
      .where("s.lifted_at", "is", null)
      .where((eb) => eb.or([eb("s.expires_at", "is", null), eb("s.expires_at", ">", now)]));
  else if (filters.state === "lifted") q = q.where("s.lifted_at", "is not", null);
  else if (filters.state === "expired")
    q = q.where("s.lifted_at", "is", null).where("s.expires_at", "<=", now);
  const counted = await q
    .clearSelect()
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirst();
  const rows = await q.orderBy("s.id", "desc").limit(filters.limit).offset(filters.offset).execute();
  return { items: rows.map(toView), total: Number(counted?.n ?? 0) };
}

export async function getSuppressionView(db: Kysely<Database>, id: number): Promise<SuppressionView | null> {
  const row = await selectViews(db).where("s.id", "=", id).executeTakeFirst();
  return row ? toView(row) : null;
}

/** Marks a suppression lifted; false when it was already lifted (or does not exist). */
export async function liftSuppression(
  db: Kysely<Database>,
  id: number,
  actor: string,
  now: string,
): Promise<boolean> {
  const rows = await db
    .updateTable("suppressions")
    .set({ lifted_at: now, lifted_by: actor })
    .where("id", "=", id)
    .where("lifted_at", "is", null)
    .returning("id")
    .execute();
  return rows.length > 0;
}

/** Adds the pipeline's drops to each suppression's count. */
export async function addSuppressedCounts(
  db: Kysely<Database>,
  drops: ReadonlyMap<number, number>,
  now: string,
): Promise<void> {
  for (const [id, n] of drops) {
    await db
      .updateTable("suppressions")
      .set((eb) => ({ suppressed_count: eb("suppressed_count", "+", n), last_suppressed_at: now }))
      .where("id", "=", id)
      .execute();
  }
}
