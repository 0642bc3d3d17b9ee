import { sql } from "kysely";
import {
  type BoundedLogQuery,
  type CountableField,
  histogramFrame,
  type IntervalCount,
  type LogExtent,
  type LogQuery,
  mostFirst,
  type RecordContext,
  type RecordRef,
  type ValueCount,
} from "../../core/log-store.js";
import type { StoreScope } from "../db.js";
import { RECORD_COLUMNS, toStoredRecord, whereLogQuery } from "./log-search.js";

/**
 * The `logs` table's answers to the dashboard's log browser beyond search (`LogStore.extent`, `histogram`,
 * `countBy`, `context`). Each filters with `whereLogQuery`, the condition search applies, so the chart and
 * the facets count exactly the lines the list pages through. Only `logs-table-store.ts` calls these.
 */

/**
 * The record times of the oldest and newest line matching `query`. Two ordered seeks rather than
 * `min(), max()` in one select: SQLite answers a lone min or max from the timestamp index but scans the
 * table for both at once (500,000 lines: 203 ms → under 1 ms).
 */
export async function logExtent(store: StoreScope, query: LogQuery): Promise<LogExtent | null> {
  const edge = (direction: "asc" | "desc") =>
    whereLogQuery(store.db.selectFrom("logs"), store.dialect, query)
      .select("logs.timestamp")
      .orderBy("logs.timestamp", direction)
      .limit(1)
      .executeTakeFirst();
  const [first, last] = await Promise.all([edge("asc"), edge("desc")]);
  return first && last ? { first: first.timestamp, last: last.timestamp } : null;
}

/**
 * Lines per equal interval from `query.since` (inclusive) to `query.until` (exclusive), counted by the
 * database (one grouped scan of the timestamp index), with empty intervals filled in.
 */
export async function logHistogram(
  store: StoreScope,
  query: BoundedLogQuery,
  intervalMs: number,
): Promise<IntervalCount[]> {
  const { sinceMs, bounded, size, intervals } = histogramFrame(query, intervalMs);
  const rows = await whereLogQuery(store.db.selectFrom("logs"), store.dialect, bounded)
    .select((eb) => [
      sql<number>`floor((${store.dialect.epochMs(eb.ref("logs.timestamp"))} - ${sinceMs}) / ${intervalMs})`.as(
        "bucket",
      ),
      eb.fn.countAll<number>().as("n"),
    ])
    .groupBy("bucket")
    .execute();
  const counts = new Array<number>(size).fill(0);
  for (const r of rows) {
    const i = Number(r.bucket);
    if (i >= 0 && i < size) counts[i] = (counts[i] ?? 0) + Number(r.n);
  }
  return intervals(counts);
}

const COLUMN_OF: Record<CountableField, "logs.service" | "logs.template_id"> = {
  service: "logs.service",
  templateId: "logs.template_id",
};

/**
 * Lines matching `query` per value of one column, most first. Every group is read and the ties ordered
 * here rather than by `order by … limit`: the databases' text orders differ (PostgreSQL's collation,
 * SQLite's bytes), and the grouping reads every matching line either way.
 */
export async function logCountBy(
  store: StoreScope,
  query: LogQuery,
  field: CountableField,
  limit?: number,
): Promise<ValueCount[]> {
  const column = sql.ref(COLUMN_OF[field]);
  // SQLite (no statistics) prefers an index that hands it the groups in order over one that narrows the
  // rows: with only `since`, it walked all of idx_logs_template rather than the time range (300,000 lines:
  // 528 ms instead of 30). Grouping by `column || ''` (the same values, null stays null) takes the
  // column's index out of that choice whenever a condition could narrow; with none, scanning the index
  // (covering) is the fastest plan, so it stays. Lines without a value are one group, dropped below: an
  // `is not null` condition would offer the column's index too.
  const narrowed = Object.values(query).some((v) => v !== undefined && v !== "");
  const key = narrowed ? sql<string | null>`${column} || ''` : sql<string | null>`${column}`;
  const rows = await whereLogQuery(store.db.selectFrom("logs"), store.dialect, query)
    .select((eb) => [key.as("value"), eb.fn.countAll<number>().as("n")])
    .groupBy(key)
    .execute();
  const counts = rows.flatMap((r) => (r.value === null ? [] : [{ value: r.value, count: Number(r.n) }]));
  counts.sort(mostFirst);
  return limit === undefined ? counts : counts.slice(0, limit);
}

/**
 * The lines of the same service just before and after one line, in record time (ties by id), each side
 * an ordered seek on the service-and-time index. Null when the line does not exist.
 */
export async function logContext(
  store: StoreScope,
  ref: RecordRef,
  around: { before: number; after: number },
): Promise<RecordContext | null> {
  const found = await store.db.selectFrom("logs").select(RECORD_COLUMNS).where("logs.id", "=", ref).execute();
  const first = found[0];
  if (!first) return null;
  const record = toStoredRecord(first);
  const sameService = store.db
    .selectFrom("logs")
    .select(RECORD_COLUMNS)
    .where("logs.service", "=", record.service);
  const [before, after] = await Promise.all([
    around.before === 0
      ? []
      : sameService
          .where((eb) =>
            eb.or([
              eb("logs.timestamp", "<", record.timestamp),
              eb.and([eb("logs.timestamp", "=", record.timestamp), eb("logs.id", "<", record.ref)]),
            ]),
          )
          .orderBy("logs.timestamp", "desc")
          .orderBy("logs.id", "desc")
          .limit(around.before)
          .execute(),
    around.after === 0
      ? []
      : sameService
          .where((eb) =>
            eb.or([
              eb("logs.timestamp", ">", record.timestamp),
              eb.and([eb("logs.timestamp", "=", record.timestamp), eb("logs.id", ">", record.ref)]),
            ]),
          )
          .orderBy("logs.timestamp", "asc")
          .orderBy("logs.id", "asc")
          .limit(around.after)
          .execute(),
  ]);
  return {
    record,
    before: before.map(toStoredRecord).reverse(),
    after: after.map(toStoredRecord),
  };
}
