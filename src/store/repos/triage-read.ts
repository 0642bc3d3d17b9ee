import { type Kysely, sql } from "kysely";
import type { Database } from "../schema.js";

/**
 * Read-only view of system 001's triage tables (contracts §2.5), for the MCP server. Alert triage is
 * being built separately and its tables may not exist in a build; this reads only the columns the
 * contract fixes, so it works with whatever migration creates them. Returns null when they are absent.
 */
export interface TriageRow {
  alert_id: string;
  risk_score: number | null;
  risk_level: string | null;
  confidence: number | null;
  analysis_result: string | null;
  recommended_actions: unknown;
  requires_human_review: boolean | null;
  source_ip: string | null;
  user_id: string | null;
  asset_id: string | null;
  alert_status: string | null;
  updated_at: string | null;
}

export async function triageTablesExist(db: Kysely<Database>): Promise<boolean> {
  const tables = await db.introspection.getTables();
  const names = new Set(tables.map((t) => t.name));
  return names.has("triage_results") && names.has("alerts");
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** Triage verdicts, highest risk first; `alertId` narrows to one alert. Null when triage is absent. */
export async function readTriage(
  db: Kysely<Database>,
  query: { alertId?: string; riskLevel?: string; limit: number },
): Promise<TriageRow[] | null> {
  if (!(await triageTablesExist(db))) return null;
  const where = [sql`1 = 1`];
  if (query.alertId) where.push(sql`t.alert_id = ${query.alertId}`);
  if (query.riskLevel) where.push(sql`t.risk_level = ${query.riskLevel}`);
  const result = await sql<Record<string, unknown>>`
    select t.*, a.source_ip as a_source_ip, a.user_id as a_user_id, a.asset_id as a_asset_id,
           a.status as a_status
    from triage_results t left join alerts a on a.alert_id = t.alert_id
    where ${sql.join(where, sql` and `)}
    order by t.risk_score desc, t.alert_id
    limit ${query.limit}`.execute(db);
  return result.rows.map((r) => ({
    alert_id: String(r.alert_id),
    risk_score: num(r.risk_score),
    risk_level: str(r.risk_level),
    confidence: num(r.confidence),
    analysis_result: str(r.analysis_result),
    recommended_actions: parseJson(r.recommended_actions),
    requires_human_review:
      r.requires_human_review === undefined || r.requires_human_review === null
        ? null
        : Boolean(r.requires_human_review),
    source_ip: str(r.a_source_ip),
    user_id: str(r.a_user_id),
    asset_id: str(r.a_asset_id),
    alert_status: str(r.a_status),
    updated_at: str(r.updated_at ?? r.created_at),
  }));
}
