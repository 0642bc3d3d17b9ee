import type { Kysely, Selectable } from "kysely";
import type { Anomaly, AnomalyStatus, Explanation } from "../../core/anomaly.js";
import type { JsonObject } from "../../core/json.js";
import { type Severity, severityRank } from "../../core/severity.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { AnomaliesTable, Database } from "../schema.js";

export type AnomalyRow = Selectable<AnomaliesTable>;

/** A stored anomaly in Logwarden's own shape. */
export interface StoredAnomaly {
  id: number;
  detector: string;
  type: string;
  timestamp: string;
  service: string | null;
  key: string;
  score: number;
  severity: Severity;
  status: AnomalyStatus;
  description: string | null;
  features: JsonObject;
  explanation: Explanation | null;
  evidence: number[];
  templateId: string | null;
  deviceId: number | null;
  count: number;
  lastSeen: string;
  createdAt: string;
  updatedAt: string;
}

export function toStoredAnomaly(row: AnomalyRow): StoredAnomaly {
  const explanation = fromJsonText<JsonObject>(row.explanation, {});
  return {
    id: Number(row.id),
    detector: row.agent_name,
    type: row.anomaly_type,
    timestamp: row.timestamp,
    service: row.service,
    key: row.key,
    score: Number(row.confidence),
    severity: row.severity as Severity,
    status: row.status as AnomalyStatus,
    description: row.description,
    features: fromJsonText<JsonObject>(row.features, {}),
    explanation: "summary" in explanation ? (explanation as unknown as Explanation) : null,
    evidence: fromJsonText<number[]>(row.evidence, []),
    templateId: row.template_id,
    deviceId: row.device_id === null ? null : Number(row.device_id),
    count: Number(row.count),
    lastSeen: row.last_seen,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const MAX_EVIDENCE = 50;

/**
 * Stores anomalies, merging a repeat of the same detector and key into its open anomaly when the
 * open one was last seen within `mergeWindowMs` (count and last seen go up, the stronger score wins),
 * so a flapping condition makes one row, not hundreds. Returns the rows written, new ones flagged.
 * Run inside a transaction.
 */
export async function storeAnomalies(
  db: Kysely<Database>,
  anomalies: readonly Anomaly[],
  now: string,
  mergeWindowMs = 3_600_000,
): Promise<{ anomaly: StoredAnomaly; created: boolean }[]> {
  const out: { anomaly: StoredAnomaly; created: boolean }[] = [];
  for (const a of anomalies) {
    const since = new Date(Date.parse(a.timestamp) - mergeWindowMs).toISOString();
    const open = await db
      .selectFrom("anomalies")
      .selectAll()
      .where("agent_name", "=", a.detector)
      .where("key", "=", a.key)
      .where("status", "=", "open")
      .where("last_seen", ">=", since)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (open) {
      const stronger = a.score >= Number(open.confidence);
      const severity =
        severityRank(a.severity) > severityRank(open.severity as Severity)
          ? a.severity
          : (open.severity as Severity);
      const evidence = [...fromJsonText<number[]>(open.evidence, []), ...a.evidence].slice(-MAX_EVIDENCE);
      const lastSeen = a.timestamp > open.last_seen ? a.timestamp : open.last_seen;
      const row = await db
        .updateTable("anomalies")
        .set({
          count: Number(open.count) + 1,
          last_seen: lastSeen,
          updated_at: now,
          // The sinks route this form again (repos/sink-queue.ts): a sink that has the anomaly already
          // keeps its one delivery, one whose route the repeat now matches (say, a higher severity) gets it.
          sinks_queued_at: null,
          severity,
          evidence: toJsonText(evidence),
          ...(stronger
            ? {
                confidence: a.score,
                description: a.description,
                features: toJsonText(a.features),
                explanation: toJsonText(a.explanation),
              }
            : {}),
        })
        .where("id", "=", open.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      out.push({ anomaly: toStoredAnomaly(row), created: false });
      continue;
    }
    const row = await db
      .insertInto("anomalies")
      .values({
        agent_name: a.detector,
        device_id: a.deviceId ?? null,
        timestamp: a.timestamp,
        anomaly_type: a.type,
        confidence: a.score,
        description: a.description,
        features: toJsonText(a.features),
        created_at: now,
        severity: a.severity,
        service: a.service,
        key: a.key,
        status: "open",
        explanation: toJsonText(a.explanation),
        evidence: toJsonText(a.evidence.slice(-MAX_EVIDENCE)),
        template_id: a.templateId ?? null,
        count: 1,
        last_seen: a.timestamp,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    out.push({ anomaly: toStoredAnomaly(row), created: true });
  }
  return out;
}

export interface AnomalyQuery {
  limit: number;
  offset: number;
  agentName?: string;
}

/** System 000's listing (contracts §1.4): newest `timestamp` first, ties by higher id. */
export async function listAnomalies(db: Kysely<Database>, query: AnomalyQuery): Promise<StoredAnomaly[]> {
  let q = db.selectFrom("anomalies").selectAll();
  if (query.agentName) q = q.where("agent_name", "=", query.agentName);
  const rows = await q
    .orderBy("timestamp", "desc")
    .orderBy("id", "desc")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return rows.map(toStoredAnomaly);
}

export async function getAnomaly(db: Kysely<Database>, id: number): Promise<StoredAnomaly | undefined> {
  const row = await db.selectFrom("anomalies").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? toStoredAnomaly(row) : undefined;
}
