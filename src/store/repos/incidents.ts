import type { Kysely } from "kysely";
import type { JsonObject } from "../../core/json.js";
import type { Severity } from "../../core/severity.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database } from "../schema.js";

export interface NewIncident {
  detectedAt: string;
  service: string | null;
  severity: Severity;
  summary: string;
  features: JsonObject;
  anomalyIds?: number[];
}

/** System 004's incident shape (contracts §5.2), plus status. */
export interface StoredIncident {
  id: number;
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  features: JsonObject;
  status: string;
}

export async function insertIncident(db: Kysely<Database>, incident: NewIncident): Promise<StoredIncident> {
  const row = await db
    .insertInto("incidents")
    .values({
      detected_at: incident.detectedAt,
      service: incident.service,
      severity: incident.severity,
      summary: incident.summary,
      features: toJsonText(incident.features),
      status: "open",
      anomaly_ids: toJsonText(incident.anomalyIds ?? []),
      updated_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toIncident(row);
}

function toIncident(row: {
  id: number;
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  features: string;
  status: string;
}): StoredIncident {
  return {
    id: Number(row.id),
    detected_at: row.detected_at,
    service: row.service,
    severity: row.severity,
    summary: row.summary,
    features: fromJsonText<JsonObject>(row.features, {}),
    status: row.status,
  };
}

/** Newest `detected_at` first (contracts §5.2). */
export async function listIncidents(
  db: Kysely<Database>,
  query: { limit: number; offset: number; status?: string },
): Promise<StoredIncident[]> {
  let q = db.selectFrom("incidents").selectAll();
  if (query.status) q = q.where("status", "=", query.status);
  const rows = await q
    .orderBy("detected_at", "desc")
    .orderBy("id", "desc")
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  return rows.map(toIncident);
}

/** How many incidents `listIncidents` pages through (its total), with the same filter. */
export async function countIncidents(db: Kysely<Database>, query: { status?: string }): Promise<number> {
  let q = db.selectFrom("incidents");
  if (query.status) q = q.where("status", "=", query.status);
  const row = await q.select((eb) => eb.fn.countAll<number | string>().as("n")).executeTakeFirstOrThrow();
  return Number(row.n);
}
