import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { recordAudit } from "./audit.js";

/** One reviewer's status change, as the bulk routes and the single-item routes audit it. */
export interface ReviewChange<Id> {
  id: Id;
  status: string;
  comment: string | null;
  actor: string;
}

/**
 * Sets an alert's review status (open, acknowledged, resolved) and audits it as `alert.review`
 * {from, to, comment}, in one transaction. False when there is no such alert.
 */
export async function changeAlertReview(
  db: Kysely<Database>,
  change: ReviewChange<string>,
  now: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("alerts")
      .select("review_status")
      .where("alert_id", "=", change.id)
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable("alerts")
      .set({ review_status: change.status, updated_at: now })
      .where("alert_id", "=", change.id)
      .execute();
    await recordAudit(
      trx,
      {
        actor: change.actor,
        action: "alert.review",
        target: `alert:${change.id}`,
        details: { from: before.review_status, to: change.status, comment: change.comment },
      },
      now,
    );
    return true;
  });
}

/**
 * Sets any incident's status (operational ones from system 004 as well as triage incidents) and
 * audits it as `incident.status` {from, to, comment}, as `PATCH /api/v1/incidents/{id}` does, in one
 * transaction. False when there is no such incident.
 */
export async function changeIncidentStatus(
  db: Kysely<Database>,
  change: ReviewChange<number>,
  now: string,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom("incidents")
      .select("status")
      .where("id", "=", change.id)
      .executeTakeFirst();
    if (!before) return false;
    await trx
      .updateTable("incidents")
      .set({ status: change.status, updated_at: now })
      .where("id", "=", change.id)
      .execute();
    await recordAudit(
      trx,
      {
        actor: change.actor,
        action: "incident.status",
        target: `incident:${change.id}`,
        details: { from: before.status, to: change.status, comment: change.comment },
      },
      now,
    );
    return true;
  });
}
