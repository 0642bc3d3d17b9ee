import type { Kysely } from "kysely";
import type { JsonObject } from "../../core/json.js";
import type { StoreScope } from "../db.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database } from "../schema.js";
import { readJson } from "../triage-json.js";
import type { IocType, ThreatLevel } from "../triage-types.js";

/**
 * Rows per multi-row statement: 12 columns × 1,000 rows stays under SQLite's 32,766 bound parameters
 * (PostgreSQL allows 65,535), whatever TRIAGE_BATCH_SIZE is.
 */
function chunks<T>(rows: T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export interface ContextRow {
  alert_id: string;
  context_type: "network" | "asset" | "user";
  source: string;
  context_data: JsonObject;
}

/**
 * Plain insert, one row per context kind (contracts §2.5). A retried alert's earlier rows are removed
 * first, so an alert never has two rows of one kind.
 */
export async function replaceContext(db: Kysely<Database>, rows: ContextRow[], now: string): Promise<void> {
  const ids = [...new Set(rows.map((r) => r.alert_id))];
  if (ids.length === 0) return;
  await db.deleteFrom("alert_context").where("alert_id", "in", ids).execute();
  for (const chunk of chunks(rows)) {
    await db
      .insertInto("alert_context")
      .values(chunk.map((r) => ({ ...r, context_data: toJsonText(r.context_data), created_at: now })))
      .execute();
  }
}

export async function contextOf(db: Kysely<Database>, alertId: string) {
  const rows = await db
    .selectFrom("alert_context")
    .selectAll()
    .where("alert_id", "=", alertId)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    context_type: r.context_type,
    source: r.source,
    context_data: readJson<JsonObject>(r.context_data, {}),
    created_at: r.created_at,
  }));
}

export interface IntelRow {
  ioc: string;
  ioc_type: IocType;
  threat_level: ThreatLevel;
  source: string;
  details: JsonObject;
  expires_at: string;
}

export interface StoredIntel extends IntelRow {
  first_seen: string;
  last_seen: string;
}

export async function cachedIntel(db: Kysely<Database>, iocs: string[]): Promise<Map<string, StoredIntel>> {
  const out = new Map<string, StoredIntel>();
  if (iocs.length === 0) return out;
  const rows = await db.selectFrom("threat_intel").selectAll().where("ioc", "in", iocs).execute();
  for (const r of rows) {
    out.set(`${r.ioc_type}:${r.ioc}`, {
      ioc: r.ioc,
      ioc_type: r.ioc_type as IocType,
      threat_level: r.threat_level as ThreatLevel,
      source: r.source,
      details: readJson<JsonObject>(r.details, {}),
      expires_at: r.expires_at,
      first_seen: r.first_seen,
      last_seen: r.last_seen,
    });
  }
  return out;
}

/** Upsert on `(ioc, ioc_type)` (contracts §2.5): a known IOC gets the fresh verdict and `last_seen`. */
export async function upsertIntel(db: Kysely<Database>, rows: IntelRow[], now: string): Promise<void> {
  if (rows.length === 0) return;
  for (const chunk of chunks(rows)) {
    await db
      .insertInto("threat_intel")
      .values(chunk.map((r) => ({ ...r, details: toJsonText(r.details), first_seen: now, last_seen: now })))
      .onConflict((oc) =>
        oc.columns(["ioc", "ioc_type"]).doUpdateSet((eb) => ({
          threat_level: eb.ref("excluded.threat_level"),
          source: eb.ref("excluded.source"),
          details: eb.ref("excluded.details"),
          last_seen: eb.ref("excluded.last_seen"),
          expires_at: eb.ref("excluded.expires_at"),
        })),
      )
      .execute();
  }
}

export interface TriageRow {
  alert_id: string;
  risk_score: number;
  risk_level: string;
  confidence: number;
  analysis_result: string;
  recommended_actions: string[];
  requires_human_review: boolean;
  inputs: JsonObject;
  analyzer: string;
}

/** Upsert on `alert_id` (contracts §2.5, §2.6.1). */
export async function upsertTriage(
  { db, dialect }: StoreScope,
  rows: TriageRow[],
  now: string,
): Promise<void> {
  if (rows.length === 0) return;
  for (const chunk of chunks(rows)) {
    await db
      .insertInto("triage_results")
      .values(
        chunk.map((r) => ({
          ...r,
          recommended_actions: toJsonText(r.recommended_actions),
          requires_human_review: dialect.boolParam(r.requires_human_review),
          inputs: toJsonText(r.inputs),
          created_at: now,
          updated_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.column("alert_id").doUpdateSet((eb) => ({
          risk_score: eb.ref("excluded.risk_score"),
          risk_level: eb.ref("excluded.risk_level"),
          confidence: eb.ref("excluded.confidence"),
          analysis_result: eb.ref("excluded.analysis_result"),
          recommended_actions: eb.ref("excluded.recommended_actions"),
          requires_human_review: eb.ref("excluded.requires_human_review"),
          inputs: eb.ref("excluded.inputs"),
          analyzer: eb.ref("excluded.analyzer"),
          updated_at: eb.ref("excluded.updated_at"),
        })),
      )
      .execute();
  }
}

export async function triageOf(db: Kysely<Database>, alertId: string) {
  const r = await db
    .selectFrom("triage_results")
    .selectAll()
    .where("alert_id", "=", alertId)
    .executeTakeFirst();
  if (!r) return null;
  return {
    risk_score: Number(r.risk_score),
    risk_level: r.risk_level,
    confidence: Number(r.confidence),
    analysis_result: r.analysis_result,
    recommended_actions: readJson<string[]>(r.recommended_actions, []),
    requires_human_review: Boolean(r.requires_human_review),
    inputs: fromJsonText<JsonObject>(r.inputs, {}),
    analyzer: r.analyzer,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}
