import { type Kysely, type Selectable, sql } from "kysely";
import type { JsonObject } from "../../core/json.js";
import type { Store } from "../db.js";
import { toJsonText } from "../json.js";
import type { Database } from "../schema.js";
import { readJson } from "../triage-json.js";
import type { AlertsTable } from "../triage-schema.js";
import type { AlertStatus, IncomingAlert, IntakeFormat, StageName } from "../triage-types.js";

export type AlertRow = Selectable<AlertsTable>;

export interface StoredAlert {
  id: number;
  alert_id: string;
  source_ip: string | null;
  target_ip: string | null;
  file_hash: string | null;
  url: string | null;
  asset_id: string | null;
  user_id: string | null;
  severity: string | null;
  raw: JsonObject;
  status: AlertStatus;
  format: IntakeFormat;
  /** The stage that failed, when `status` is `dead_letter`. */
  stage: string | null;
  attempts: number;
  last_error: string | null;
  verdict: string | null;
  rule_name: string | null;
  incident_id: number | null;
  created_at: string;
  updated_at: string;
  /** Analyst review: open, acknowledged or resolved (apart from the pipeline's `status`). */
  review_status: string;
}

export function toStoredAlert(row: AlertRow): StoredAlert {
  return {
    ...row,
    id: Number(row.id),
    raw: readJson<JsonObject>(row.raw, {}),
    status: row.status as AlertStatus,
    format: row.format as IntakeFormat,
    attempts: Number(row.attempts),
    incident_id: row.incident_id === null ? null : Number(row.incident_id),
  };
}

export function toIncoming(a: StoredAlert): IncomingAlert {
  return {
    alert_id: a.alert_id,
    source_ip: a.source_ip,
    target_ip: a.target_ip,
    file_hash: a.file_hash,
    url: a.url,
    asset_id: a.asset_id,
    user_id: a.user_id,
    severity: a.severity as IncomingAlert["severity"],
    format: a.format,
    raw: a.raw,
  };
}

/**
 * Inserts the alerts whose `alert_id` is new, in one statement; returns the ids that were inserted
 * (the others already existed: idempotent intake, contracts §2.4).
 */
export async function insertAlerts(
  db: Kysely<Database>,
  alerts: { alert: IncomingAlert; ruleName: string | null }[],
  now: string,
): Promise<Set<string>> {
  if (alerts.length === 0) return new Set();
  const rows = await db
    .insertInto("alerts")
    .values(
      alerts.map(({ alert: a, ruleName }) => ({
        alert_id: a.alert_id,
        source_ip: a.source_ip,
        target_ip: a.target_ip,
        file_hash: a.file_hash,
        url: a.url,
        asset_id: a.asset_id,
        user_id: a.user_id,
        severity: a.severity,
        raw: toJsonText(a.raw),
        status: "received",
        created_at: now,
        format: a.format,
        rule_name: ruleName,
        attempts: 0,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.column("alert_id").doNothing())
    .returning("alert_id")
    .execute();
  return new Set(rows.map((r) => r.alert_id));
}

/** Removes alerts that were inserted but could not be handed to the first stage (and nothing else refers to). */
export async function deleteAlerts(db: Kysely<Database>, alertIds: string[]): Promise<void> {
  if (alertIds.length === 0) return;
  await db.deleteFrom("alerts").where("alert_id", "in", alertIds).where("status", "=", "received").execute();
}

/** The order alerts move through the stages; `dead_letter` is off it. */
const STAGE_ORDER: readonly AlertStatus[] = ["received", "enriched", "intel_checked", "triaged"];

/**
 * Records that a stage finished a batch (its results are written in the same transaction) and returns the
 * alerts it moved on. It only moves an alert forward: a message redelivered to an earlier stage (its node
 * died before the broker's acknowledgement) never takes an alert back. The row lock the update takes makes
 * it a claim: of two transactions finishing the same alert at once (a redelivery racing the first
 * delivery on another node), the second waits, then finds the alert moved and gets nothing back.
 */
export async function markStage(
  db: Kysely<Database>,
  alertIds: string[],
  status: AlertStatus,
  now: string,
): Promise<Set<string>> {
  const earlier = STAGE_ORDER.slice(0, STAGE_ORDER.indexOf(status));
  if (alertIds.length === 0 || earlier.length === 0) return new Set();
  const moved = await db
    .updateTable("alerts")
    .set({ status, stage: null, last_error: null, updated_at: now })
    .where("alert_id", "in", alertIds)
    .where("status", "in", earlier)
    .returning("alert_id")
    .execute();
  return new Set(moved.map((r) => r.alert_id));
}

/**
 * Up to `limit` alerts waiting between stages since before `cutoff`, oldest first, stamped `now` so the
 * next look passes them by for another period. Rows another node is claiming are skipped (`FOR UPDATE
 * SKIP LOCKED` on PostgreSQL), so each stalled alert is taken by one node.
 */
export async function claimStalledAlerts(
  store: Store,
  cutoff: string,
  now: string,
  limit: number,
): Promise<StoredAlert[]> {
  return store.transaction(async ({ db, dialect }) => {
    const rows = await dialect
      .skipLocked(
        db
          .selectFrom("alerts")
          .selectAll()
          // Literal, as migration 017's partial index says it, so both planners can use that index.
          .where(sql<boolean>`status in ('received', 'enriched', 'intel_checked')`)
          .where("updated_at", "<", cutoff)
          .orderBy("updated_at")
          .limit(limit),
      )
      .execute();
    if (rows.length === 0) return [];
    await db
      .updateTable("alerts")
      .set({ updated_at: now })
      .where(
        "alert_id",
        "in",
        rows.map((r) => r.alert_id),
      )
      .execute();
    return rows.map(toStoredAlert);
  });
}

/** Of `alertIds`, those already at `status` or past it (a redelivery of work done). */
export async function alertsAtOrPast(
  db: Kysely<Database>,
  alertIds: string[],
  status: AlertStatus,
): Promise<Set<string>> {
  const atOrPast = STAGE_ORDER.slice(STAGE_ORDER.indexOf(status));
  if (alertIds.length === 0) return new Set();
  const rows = await db
    .selectFrom("alerts")
    .select("alert_id")
    .where("alert_id", "in", alertIds)
    .where("status", "in", atOrPast)
    .execute();
  return new Set(rows.map((r) => r.alert_id));
}

export async function markDeadLetter(
  db: Kysely<Database>,
  alertId: string,
  stage: StageName,
  error: string,
  attempts: number,
  now: string,
): Promise<void> {
  await db
    .updateTable("alerts")
    .set({ status: "dead_letter", stage, last_error: error.slice(0, 2000), attempts, updated_at: now })
    .where("alert_id", "=", alertId)
    .execute();
}

export async function getAlert(db: Kysely<Database>, alertId: string): Promise<StoredAlert | null> {
  const row = await db.selectFrom("alerts").selectAll().where("alert_id", "=", alertId).executeTakeFirst();
  return row ? toStoredAlert(row) : null;
}

export async function getAlertsByIds(db: Kysely<Database>, alertIds: string[]): Promise<StoredAlert[]> {
  if (alertIds.length === 0) return [];
  const rows = await db.selectFrom("alerts").selectAll().where("alert_id", "in", alertIds).execute();
  return rows.map(toStoredAlert);
}

export interface AlertFilter {
  status?: string;
  severity?: string;
  source_ip?: string;
  user_id?: string;
  asset_id?: string;
  risk_level?: string;
  review_status?: string;
  since?: string;
  until?: string;
  /** `newest` (default) or `severity`: critical first, newest first within a severity. */
  sort?: "newest" | "severity";
  limit: number;
  offset: number;
}

/** Newest first (or most severe first), with the triage verdict when there is one. */
export async function listAlerts(
  db: Kysely<Database>,
  f: AlertFilter,
): Promise<{
  items: (StoredAlert & { risk_score: number | null; risk_level: string | null })[];
  total: number;
}> {
  let q = db.selectFrom("alerts").leftJoin("triage_results", "triage_results.alert_id", "alerts.alert_id");
  if (f.status) q = q.where("alerts.status", "=", f.status);
  if (f.severity) q = q.where("alerts.severity", "=", f.severity);
  if (f.source_ip) q = q.where("alerts.source_ip", "=", f.source_ip);
  if (f.user_id) q = q.where("alerts.user_id", "=", f.user_id);
  if (f.asset_id) q = q.where("alerts.asset_id", "=", f.asset_id);
  if (f.risk_level) q = q.where("triage_results.risk_level", "=", f.risk_level);
  if (f.review_status) q = q.where("alerts.review_status", "=", f.review_status);
  if (f.since) q = q.where("alerts.created_at", ">=", f.since);
  if (f.until) q = q.where("alerts.created_at", "<", f.until);
  let page = q.selectAll("alerts").select(["triage_results.risk_score", "triage_results.risk_level"]);
  // Severity words sort by rank, not alphabet; an unknown word ranks below low.
  if (f.sort === "severity")
    page = page.orderBy(
      sql`case ${sql.ref("alerts.severity")} when 'critical' then 4 when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`,
      "desc",
    );
  const [rows, count] = await Promise.all([
    page.orderBy("alerts.id", "desc").limit(f.limit).offset(f.offset).execute(),
    q.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirst(),
  ]);
  return {
    items: rows.map((r) => ({
      ...toStoredAlert(r),
      risk_score: r.risk_score === null ? null : Number(r.risk_score),
      risk_level: r.risk_level,
    })),
    total: Number(count?.n ?? 0),
  };
}

export async function setAlertVerdict(
  db: Kysely<Database>,
  alertId: string,
  verdict: string,
  now: string,
): Promise<boolean> {
  const r = await db
    .updateTable("alerts")
    .set({ verdict, updated_at: now })
    .where("alert_id", "=", alertId)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Past analyst verdicts per rule name: the risk model's "similar alerts". */
export async function verdictCounts(
  db: Kysely<Database>,
  ruleNames: string[],
): Promise<Map<string, { true_positive: number; false_positive: number }>> {
  const out = new Map<string, { true_positive: number; false_positive: number }>();
  if (ruleNames.length === 0) return out;
  const rows = await db
    .selectFrom("alerts")
    .select(["rule_name", "verdict", (eb) => eb.fn.countAll<number>().as("n")])
    .where("rule_name", "in", ruleNames)
    .where("verdict", "is not", null)
    .groupBy(["rule_name", "verdict"])
    .execute();
  for (const r of rows) {
    if (!r.rule_name) continue;
    const entry = out.get(r.rule_name) ?? { true_positive: 0, false_positive: 0 };
    if (r.verdict === "true_positive") entry.true_positive += Number(r.n);
    if (r.verdict === "false_positive") entry.false_positive += Number(r.n);
    out.set(r.rule_name, entry);
  }
  return out;
}
