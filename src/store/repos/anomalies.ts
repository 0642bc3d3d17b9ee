import { type Kysely, type Selectable, sql } from "kysely";
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

/** What merging a repeat reads of the open anomaly it merges into. */
type OpenAnomaly = Pick<
  AnomalyRow,
  "id" | "confidence" | "severity" | "evidence" | "timestamp" | "last_seen" | "count" | "features"
>;

/** Open anomalies of one detector and key looked at for a merge: one per host is what is expected. */
const MERGE_CANDIDATES = 8;

/*
 * storeAnomalies' three statements are SQL templates, not the query builder: building and compiling them
 * with the builder took 45 µs for the lookup and 15-80 µs for the write, run once per anomaly event (each
 * request's detection raises a handful of them one at a time), about a third of storeAnomalies' time under
 * NDJSON ingest; a template compiles in 2 µs. The SQL is what the builder wrote, identifiers quoted as it
 * quotes them, and the values are still parameters, which PostgreSQL's text plugin cleans as before.
 */

/**
 * The open anomaly a repeat `a` merges into: same detector and key, the repeat's time within the window of
 * the anomaly's span (from `window` before its first sighting to `window` after its last), and the same
 * host when both name one. Anything else is another finding: events from another file's history (a
 * December backfill after a July finding), or another machine, never rewrite a stored finding.
 */
async function openAnomaly(
  db: Kysely<Database>,
  a: Anomaly,
  windowMs: number,
): Promise<OpenAnomaly | undefined> {
  const at = Date.parse(a.timestamp);
  const since = new Date(at - windowMs).toISOString();
  const until = new Date(at + windowMs).toISOString();
  // Only what the merge needs: the row's explanation comes back from the update.
  const { rows } =
    await sql<OpenAnomaly>`select "id", "confidence", "severity", "evidence", "timestamp", "last_seen", "count", "features"
    from "anomalies"
    where "agent_name" = ${a.detector} and "key" = ${a.key} and "status" = ${"open"}
    and "last_seen" >= ${since} and "timestamp" <= ${until}
    order by "id" desc limit ${MERGE_CANDIDATES}`.execute(db);
  const host = typeof a.features.host === "string" ? a.features.host : null;
  return rows.find((row) => {
    if (host === null) return true;
    const theirs = fromJsonText<JsonObject>(row.features, {}).host;
    return typeof theirs !== "string" || theirs === host;
  });
}

/** A repeat merged into its open anomaly (see storeAnomalies); the row as it is now. */
async function mergeInto(
  db: Kysely<Database>,
  open: OpenAnomaly,
  a: Anomaly,
  now: string,
): Promise<AnomalyRow> {
  const stronger = a.score >= Number(open.confidence);
  const severity =
    severityRank(a.severity) > severityRank(open.severity as Severity)
      ? a.severity
      : (open.severity as Severity);
  // A repeat's evidence usually restates lines the row already lists (a window that grew): each line once.
  const before = fromJsonText<number[]>(open.evidence, []);
  const listed = new Set(before);
  const evidence = [...before, ...a.evidence.filter((id) => !listed.has(id))].slice(-MAX_EVIDENCE);
  const lastSeen = a.timestamp > open.last_seen ? a.timestamp : open.last_seen;
  // A repeat from just before the first sighting (a late shipper, a backfill within the window) extends
  // the span back: the finding's first and last seen are its own events', never another's.
  const firstSeen = a.timestamp < open.timestamp ? a.timestamp : open.timestamp;
  // sinks_queued_at: the sinks route this form again (repos/sink-queue.ts): a sink that has the anomaly
  // already keeps its one delivery, one whose route the repeat now matches (say, a higher severity) gets it.
  const set = sql`"count" = ${Number(open.count) + 1}, "timestamp" = ${firstSeen}, "last_seen" = ${lastSeen}, "updated_at" = ${now},
    "sinks_queued_at" = ${null}, "severity" = ${severity}, "evidence" = ${toJsonText(evidence)}`;
  const stronglySet = stronger
    ? sql`${set}, "confidence" = ${a.score}, "description" = ${a.description},
      "features" = ${toJsonText(a.features)}, "explanation" = ${toJsonText(a.explanation)}`
    : set;
  const { rows } = await sql<AnomalyRow>`update "anomalies" set ${stronglySet} where "id" = ${open.id}
    returning *`.execute(db);
  if (!rows[0]) throw new Error(`anomaly ${open.id} vanished while a repeat merged into it`);
  return rows[0];
}

/** A new open anomaly; the row as stored. */
async function insertAnomaly(db: Kysely<Database>, a: Anomaly, now: string): Promise<AnomalyRow> {
  const { rows } = await sql<AnomalyRow>`insert into "anomalies" ("agent_name", "device_id", "timestamp",
    "anomaly_type", "confidence", "description", "features", "created_at", "severity", "service", "key",
    "status", "explanation", "evidence", "template_id", "count", "last_seen", "updated_at")
    values (${a.detector}, ${a.deviceId ?? null}, ${a.timestamp}, ${a.type}, ${a.score}, ${a.description},
    ${toJsonText(a.features)}, ${now}, ${a.severity}, ${a.service}, ${a.key}, ${"open"},
    ${toJsonText(a.explanation)}, ${toJsonText(a.evidence.slice(-MAX_EVIDENCE))}, ${a.templateId ?? null},
    ${1}, ${a.timestamp}, ${now})
    returning *`.execute(db);
  if (!rows[0]) throw new Error("insert into anomalies returned no row");
  return rows[0];
}

/** How near a repeat must fall to an open anomaly's span to merge into it. */
const MERGE_WINDOW_MS = 3_600_000;

/**
 * Stores anomalies, merging a repeat of the same detector and key into its open anomaly when the repeat
 * falls within `MERGE_WINDOW_MS` of the open one's span and names the same host (`openAnomaly`; count and
 * last seen go up, an earlier repeat moves first seen back, the stronger score wins),
 * so a flapping condition makes one row, not hundreds. Returns the rows written, new ones flagged.
 * Run inside a transaction. `lockKeys` (the store dialect's, on this transaction) makes the merge a single
 * writer per detector and key: a merge reads the open row, then writes it, and two transactions merging
 * the same key at once (a cluster's partitions committing side by side) would otherwise both insert a
 * new row, or both add one to the same count.
 */
export async function storeAnomalies(
  db: Kysely<Database>,
  anomalies: readonly Anomaly[],
  now: string,
  lockKeys?: (keys: readonly string[]) => Promise<void>,
): Promise<{ anomaly: StoredAnomaly; created: boolean }[]> {
  const out: { anomaly: StoredAnomaly; created: boolean }[] = [];
  if (lockKeys && anomalies.length > 0)
    await lockKeys(anomalies.map((a) => `anomaly:${a.detector}:${a.key}`));
  for (const a of anomalies) {
    const open = await openAnomaly(db, a, MERGE_WINDOW_MS);
    if (open) out.push({ anomaly: toStoredAnomaly(await mergeInto(db, open, a, now)), created: false });
    else out.push({ anomaly: toStoredAnomaly(await insertAnomaly(db, a, now)), created: true });
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

/**
 * Writes what threat intel says about a stored finding: its features (with the match), severity and score
 * (raised, never lowered, by the caller), description. The sinks route it again, as after a merge, so a
 * sink whose severity route the raised finding now matches gets it. The row as it is now.
 */
export async function markAnomalyIntel(
  db: Kysely<Database>,
  id: number,
  change: { severity: Severity; score: number; features: JsonObject; description: string | null },
  now: string,
): Promise<StoredAnomaly | undefined> {
  const row = await db
    .updateTable("anomalies")
    .set({
      severity: change.severity,
      confidence: change.score,
      features: toJsonText(change.features),
      description: change.description,
      sinks_queued_at: null,
      updated_at: now,
    })
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();
  return row ? toStoredAnomaly(row) : undefined;
}
