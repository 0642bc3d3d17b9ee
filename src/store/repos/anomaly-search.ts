import { type Kysely, sql } from "kysely";
import type { AnomalyStatus } from "../../core/anomaly.js";
import type { JsonObject } from "../../core/json.js";
import type { StoreScope } from "../db.js";
import { fromJsonText } from "../json.js";
import { likeContains } from "../like.js";
import type { Database } from "../schema.js";
import { getAnomaly, type StoredAnomaly } from "./anomalies.js";
import { recordAudit } from "./audit.js";

/** Filters of the anomaly listing; every value is bound as a parameter and matched literally. */
export interface AnomalyFilters {
  agentName?: string;
  /** ISO UTC, inclusive. */
  since?: string;
  /** ISO UTC, exclusive. */
  until?: string;
  severity?: readonly string[];
  status?: readonly string[];
  service?: string;
  /** Case-insensitive substring of the description or the detector's key (user, IP, service…). */
  q?: string;
  /** Exactly this detector key, e.g. `ip:1.2.3.4` or `user:root`. */
  entity?: string;
  /** Only these detectors (`agent_name`), e.g. every security detector; an empty list filters nothing. */
  detectorsIn?: readonly string[];
  /** None of these detectors: the operational kind is "not security", so anomalies from outside the registry count there. */
  detectorsNotIn?: readonly string[];
}

/** A position in the newest-first order: the last row of the previous page. */
export interface AnomalyCursor {
  timestamp: string;
  id: number;
}

/** System 000's nine columns: all a listing reads (no explanation or evidence JSON). */
export interface AnomalyListRow {
  id: number;
  agent_name: string;
  device_id: number | null;
  timestamp: string;
  anomaly_type: string;
  confidence: number;
  description: string | null;
  features: JsonObject | null;
  created_at: string;
}

/** The listing's page: `limit` rows after `offset` rows or after the cursor `after`. */
export interface AnomalyPage {
  limit: number;
  offset?: number;
  after?: AnomalyCursor;
}

const LIST_COLUMNS = [
  "id",
  "agent_name",
  "device_id",
  "timestamp",
  "anomaly_type",
  "confidence",
  "description",
  "features",
  "created_at",
] as const;

/**
 * Newest `timestamp` first, ties by higher id (contracts §1.4). With `after`, a keyset page: rows
 * strictly after the cursor in that order, found by an index seek, so page 10,000 costs what page 1
 * costs. `offset` still works (system 000's clients use it) but scans what it skips.
 */
function listQuery(db: Kysely<Database>, filters: AnomalyFilters, page: AnomalyPage) {
  let q = filtered(db, filters).select(LIST_COLUMNS);
  if (page.after) {
    const { timestamp, id } = page.after;
    q = q.where((eb) => eb(eb.refTuple("timestamp", "id"), "<", eb.tuple(timestamp, id)));
  }
  q = q.orderBy("timestamp", "desc").orderBy("id", "desc").limit(page.limit);
  if (page.offset) q = q.offset(page.offset);
  return q;
}

/** The anomalies the filters keep, for a page or a count. */
function filtered(db: Kysely<Database>, filters: AnomalyFilters) {
  let q = db.selectFrom("anomalies");
  if (filters.agentName) q = q.where("agent_name", "=", filters.agentName);
  if (filters.service) q = q.where("service", "=", filters.service);
  if (filters.entity) q = q.where("key", "=", filters.entity);
  if (filters.detectorsIn?.length) q = q.where("agent_name", "in", [...filters.detectorsIn]);
  if (filters.detectorsNotIn?.length) q = q.where("agent_name", "not in", [...filters.detectorsNotIn]);
  if (filters.severity?.length) q = q.where("severity", "in", [...filters.severity]);
  if (filters.status?.length) q = q.where("status", "in", [...filters.status]);
  if (filters.since) q = q.where("timestamp", ">=", filters.since);
  if (filters.until) q = q.where("timestamp", "<", filters.until);
  if (filters.q) {
    const pattern = likeContains(filters.q);
    q = q.where(
      (eb) =>
        sql<boolean>`(lower(${eb.ref("description")}) like ${pattern} escape '\\' or lower(${eb.ref("key")}) like ${pattern} escape '\\')`,
    );
  }
  return q;
}

/**
 * How many anomalies the filters keep (a listing's total). It walks every matching row, so the
 * listing counts only when asked (`with_total`), never on system 000's plain requests.
 */
export async function countAnomalies(db: Kysely<Database>, filters: AnomalyFilters): Promise<number> {
  const row = await filtered(db, filters)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** A listing page's rows, typed (see `searchAnomalyTuples` for the hot path). */
export async function searchAnomalies(
  db: Kysely<Database>,
  filters: AnomalyFilters,
  page: AnomalyPage,
): Promise<AnomalyListRow[]> {
  const rows = await listQuery(db, filters, page).execute();
  return rows.map((r) => ({
    id: Number(r.id),
    agent_name: r.agent_name,
    device_id: r.device_id === null ? null : Number(r.device_id),
    timestamp: r.timestamp,
    anomaly_type: r.anomaly_type,
    confidence: Number(r.confidence),
    description: r.description,
    features: r.features === null ? null : fromJsonText<JsonObject>(r.features, {}),
    created_at: r.created_at,
  }));
}

/**
 * A listing row as stored, in `LIST_COLUMNS` order, `features` still JSON text: what an encoder that
 * writes the response body straight from the columns needs.
 */
export type AnomalyListTuple = [
  id: number,
  agent_name: string,
  device_id: number | null,
  timestamp: string,
  anomaly_type: string,
  confidence: number,
  description: string | null,
  features: string | null,
  created_at: string,
];

/**
 * The same page as `searchAnomalies`, as tuples: the dialect's `selectTuples` (on SQLite a raw-mode
 * statement on the store's connection: no per-row objects, no JSON parse of `features`, which is most of
 * a page's cost after the index walk).
 */
export async function searchAnomalyTuples(
  store: StoreScope,
  filters: AnomalyFilters,
  page: AnomalyPage,
): Promise<AnomalyListTuple[]> {
  const rows = await store.dialect.selectTuples<AnomalyListTuple>(
    store.db,
    listQuery(store.db, filters, page),
  );
  for (const r of rows) r[0] = Number(r[0]);
  return rows;
}

/** One listing page read on one connection, with the change version read first and the total if asked. */
export interface AnomalyPageRead {
  rows: AnomalyListTuple[];
  /** The table's change version read before the rows; undefined where versions are not kept. */
  version: number | undefined;
  total: number | undefined;
}

/**
 * Reads the anomalies' change version, a page and (with `withTotal`) the count in one turn on the
 * connection (`dialect.pinned`; on SQLite under Kysely's connection lock, so no open transaction's rows
 * are visible), version first: the page is then at least as new as the version it is cached under.
 */
export function readAnomalyPage(
  store: StoreScope,
  filters: AnomalyFilters,
  page: AnomalyPage,
  options: { withTotal: boolean; readVersion: (() => number | undefined) | undefined },
): Promise<AnomalyPageRead> {
  return store.dialect.pinned(store.db, async (db) => {
    const version = options.readVersion?.();
    const scope = { db, dialect: store.dialect };
    const rows = await searchAnomalyTuples(scope, filters, page);
    const total = options.withTotal ? await countAnomalies(db, filters) : undefined;
    return { rows, version, total };
  });
}

export interface StatusChange {
  id: number;
  status: AnomalyStatus;
  comment: string | null;
  actor: string;
}

/**
 * Sets an anomaly's status and writes who did it, from what, to what and why to the audit log, in one
 * transaction. Returns undefined when there is no such anomaly.
 */
export async function changeAnomalyStatus(
  db: Kysely<Database>,
  change: StatusChange,
  now: string,
): Promise<StoredAnomaly | undefined> {
  return db.transaction().execute(async (trx) => {
    const before = await getAnomaly(trx, change.id);
    if (!before) return undefined;
    await trx
      .updateTable("anomalies")
      .set({ status: change.status, updated_at: now })
      .where("id", "=", change.id)
      .execute();
    await recordAudit(
      trx,
      {
        actor: change.actor,
        action: "anomaly.status",
        target: `anomaly:${change.id}`,
        details: { from: before.status, to: change.status, comment: change.comment },
      },
      now,
    );
    return { ...before, status: change.status, updatedAt: now };
  });
}

export interface AuditRecord {
  at: string;
  actor: string;
  action: string;
  details: JsonObject;
}

/** The audit trail of one target (`anomaly:42`), oldest first. */
export async function auditTrail(db: Kysely<Database>, target: string): Promise<AuditRecord[]> {
  const rows = await db
    .selectFrom("audit_logs")
    .select(["occurred_at", "actor", "action", "details"])
    .where("target", "=", target)
    .orderBy("id")
    .execute();
  return rows.map((r) => ({
    at: r.occurred_at,
    actor: r.actor,
    action: r.action,
    details: fromJsonText<JsonObject>(r.details, {}),
  }));
}
