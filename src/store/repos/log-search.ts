import type { SelectQueryBuilder } from "kysely";
import type { JsonObject } from "../../core/json.js";
import { type LogPage, type LogQuery, queryTemplateIds, type StoredRecord } from "../../core/log-store.js";
import type { StoreDialect, StoreScope } from "../db.js";
import { fromJsonText } from "../json.js";
import type { Database } from "../schema.js";
import { fullTextMatch } from "./log-fulltext.js";
import { asSetCheck, walkTimeIndex } from "./log-search-plan.js";

type LogsQuery<O> = SelectQueryBuilder<Database, "logs", O>;

/**
 * `query`'s conditions on `logs` (`LogQuery`): the one definition every door's search and the dashboard's
 * histogram and facets share, so they all count and list the same lines. Values are bound, never spliced.
 */
export function whereLogQuery<Q extends LogsQuery<unknown>>(
  query: Q,
  dialect: StoreDialect,
  f: LogQuery,
  plan: { walkTimeIndex?: boolean } = {},
): Q {
  let q = query as LogsQuery<unknown>;
  const match = f.text ? fullTextMatch(dialect, f.text) : null;
  if (match) q = q.where(plan.walkTimeIndex ? asSetCheck(match) : match);
  if (f.service) q = q.where("logs.service", "=", f.service);
  if (f.host) q = q.where("logs.host", "=", f.host);
  const templateIds = queryTemplateIds(f);
  if (templateIds)
    q =
      templateIds.length === 1
        ? q.where("logs.template_id", "=", templateIds[0]!)
        : q.where("logs.template_id", "in", templateIds);
  if (f.minSeverityNumber !== undefined) q = q.where("logs.severity_number", ">=", f.minSeverityNumber);
  if (f.since) q = q.where("logs.timestamp", ">=", f.since);
  if (f.until) q = q.where("logs.timestamp", "<", f.until);
  return q as Q;
}

/** The columns of a `StoredRecord`, for every read of whole records (search, get, context). */
export const RECORD_COLUMNS = [
  "logs.id",
  "logs.timestamp",
  "logs.service",
  "logs.host",
  "logs.level",
  "logs.severity_number",
  "logs.message",
  "logs.metadata",
  "logs.stream",
  "logs.template_id",
] as const;

interface RecordRow {
  id: number;
  timestamp: string;
  service: string;
  host: string | null;
  level: string | null;
  severity_number: number;
  message: string;
  metadata: string;
  stream: string;
  template_id: string | null;
}

export function toStoredRecord(r: RecordRow): StoredRecord {
  return {
    ref: Number(r.id),
    timestamp: r.timestamp,
    service: r.service,
    host: r.host,
    level: r.level,
    severityNumber: Number(r.severity_number),
    message: r.message,
    attributes: fromJsonText<JsonObject>(r.metadata, {}),
    stream: r.stream,
    templateId: r.template_id,
  };
}

/**
 * Stored records matching `query`, newest record time first (ties: higher id first), a page after a
 * position (a seek on the timestamp index) or after an offset. The `logs` table's `LogStore.search`.
 */
export async function searchLogs(store: StoreScope, query: LogQuery, page: LogPage): Promise<StoredRecord[]> {
  // A word in many lines: walk newest first and stop at the page's end (log-search-plan.ts).
  const walk = await walkTimeIndex(store, query.text);
  let q = whereLogQuery(store.db.selectFrom("logs").select(RECORD_COLUMNS), store.dialect, query, {
    walkTimeIndex: walk,
  });
  const after = page.after;
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb("logs.timestamp", "<", after.timestamp),
        eb.and([eb("logs.timestamp", "=", after.timestamp), eb("logs.id", "<", after.ref)]),
      ]),
    );
  }
  q = q.orderBy("logs.timestamp", "desc").orderBy("logs.id", "desc").limit(page.limit);
  if (page.offset) q = q.offset(page.offset);
  return (await q.execute()).map(toStoredRecord);
}

/** The records with these ids that exist, in id order. The `logs` table's `LogStore.get`. */
export async function getLogs(store: StoreScope, ids: readonly number[]): Promise<StoredRecord[]> {
  if (ids.length === 0) return [];
  const rows = await store.db
    .selectFrom("logs")
    .select(RECORD_COLUMNS)
    .where("logs.id", "in", [...new Set(ids)])
    .orderBy("logs.id")
    .execute();
  return rows.map(toStoredRecord);
}
