import type { Kysely } from "kysely";
import { UserError } from "../core/errors.js";
import type { JsonObject } from "../core/json.js";
import { fromJsonText, toJsonText } from "../store/json.js";
import { recordAudit } from "../store/repos/audit.js";
import type { Database } from "../store/schema.js";

export const REMEDIATION_STATUSES = ["proposed", "approved", "rejected", "executed", "failed"] as const;
export type RemediationStatus = (typeof REMEDIATION_STATUSES)[number];

/** `proposed → approved|rejected`, `approved → executed|failed`; a failed action can be approved again. */
const ALLOWED: Record<RemediationStatus, RemediationStatus[]> = {
  proposed: ["approved", "rejected"],
  approved: ["executed", "failed"],
  failed: ["approved"],
  rejected: [],
  executed: [],
};

export interface RemediationAction {
  id: number;
  incident_id: number;
  action: string;
  target: string;
  status: RemediationStatus;
  reason: string | null;
  result: JsonObject | null;
  approved_by: string | null;
  executed_at: string | null;
  created_at: string;
  updated_at: string;
}

type Row = Omit<RemediationAction, "result" | "status"> & { result: string | null; status: string };
const toAction = (r: Row): RemediationAction => ({
  ...r,
  id: Number(r.id),
  incident_id: Number(r.incident_id),
  status: r.status as RemediationStatus,
  result: r.result === null ? null : fromJsonText<JsonObject>(r.result, {}),
});

export async function listRemediation(
  db: Kysely<Database>,
  f: { incident_id?: number; status?: string; limit: number; offset: number },
): Promise<RemediationAction[]> {
  let q = db.selectFrom("remediation_actions").selectAll();
  if (f.incident_id !== undefined) q = q.where("incident_id", "=", f.incident_id);
  if (f.status) q = q.where("status", "=", f.status);
  const rows = await q.orderBy("id", "desc").limit(f.limit).offset(f.offset).execute();
  return rows.map(toAction);
}

export async function getRemediation(db: Kysely<Database>, id: number): Promise<RemediationAction | null> {
  const r = await db.selectFrom("remediation_actions").selectAll().where("id", "=", id).executeTakeFirst();
  return r ? toAction(r) : null;
}

/** One state change, checked against the allowed transitions and written to `audit_logs` with who and when. */
export async function transition(
  db: Kysely<Database>,
  id: number,
  to: RemediationStatus,
  actor: string,
  now: string,
  extra: { result?: JsonObject; comment?: string | null } = {},
): Promise<RemediationAction> {
  return db.transaction().execute(async (trx) => {
    const current = await getRemediation(trx, id);
    if (!current) throw new UserError(`no remediation action ${id}`, "not_found", 404);
    if (!ALLOWED[current.status].includes(to))
      throw new UserError(
        `remediation action ${id} is ${current.status}; it cannot become ${to}`,
        "conflict",
        409,
      );
    await trx
      .updateTable("remediation_actions")
      .set({
        status: to,
        updated_at: now,
        ...(to === "approved" ? { approved_by: actor } : {}),
        ...(to === "executed" || to === "failed" ? { executed_at: now } : {}),
        ...(extra.result ? { result: toJsonText(extra.result) } : {}),
      })
      .where("id", "=", id)
      .execute();
    await recordAudit(
      trx,
      {
        actor,
        action: `remediation.${to}`,
        target: `remediation:${id}`,
        details: {
          from: current.status,
          to,
          incident_id: current.incident_id,
          action: current.action,
          target: current.target,
          comment: extra.comment ?? null,
          ...(extra.result ? { result: extra.result } : {}),
        },
      },
      now,
    );
    return (await getRemediation(trx, id))!;
  });
}

/**
 * Executes an approved action by POSTing it to the configured webhook (the operator's SOAR or script);
 * a 2xx answer makes it `executed`, anything else `failed` with the reason kept in `result`.
 */
export async function executeRemediation(
  db: Kysely<Database>,
  id: number,
  webhookUrl: string | undefined,
  actor: string,
  now: () => string,
  timeoutMs = 10_000,
): Promise<RemediationAction> {
  const action = await getRemediation(db, id);
  if (!action) throw new UserError(`no remediation action ${id}`, "not_found", 404);
  if (action.status !== "approved")
    throw new UserError(`remediation action ${id} is ${action.status}; approve it first`, "conflict", 409);
  let result: JsonObject;
  let ok = false;
  if (!webhookUrl) result = { error: "no TRIAGE_REMEDIATION_WEBHOOK_URL is configured" };
  else {
    try {
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "logwarden-triage" },
        body: JSON.stringify({
          remediation_id: action.id,
          incident_id: action.incident_id,
          action: action.action,
          target: action.target,
          approved_by: action.approved_by,
          requested_by: actor,
        }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = (await res.text()).slice(0, 2000);
      ok = res.ok;
      result = { http_status: res.status, response: body };
    } catch (error) {
      result = { error: error instanceof Error ? error.message : String(error) };
    }
  }
  return transition(db, id, ok ? "executed" : "failed", actor, now(), { result });
}
