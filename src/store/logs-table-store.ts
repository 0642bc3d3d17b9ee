import { sql } from "kysely";
import type { LogStore, TemplateIntervalCount } from "../core/log-store.js";
import type { StoreScope, StoreTransaction } from "./db.js";
import { logContext, logCountBy, logExtent, logHistogram } from "./repos/log-browse.js";
import { getLogs, searchLogs } from "./repos/log-search.js";
import { insertLogs } from "./repos/logs.js";

/**
 * Today's `LogStore`: the `logs` table (system 004's columns plus Logwarden's), on SQLite or PostgreSQL.
 * A record's reference is its row id, so evidence stored before this interface still resolves. Appends
 * run in the batch's transaction (`Store.transaction`), with the anomalies and templates of the batch.
 */
export function logsTableStore(
  store: StoreScope & { readonly reader?: StoreScope },
): LogStore<StoreTransaction> {
  // Scans that grow with the data (search, histogram, facets, template counts) go to the reader, off the
  // event loop on a SQLite file; look-ups by id and the watermark are index seeks and stay.
  const reads = store.reader ?? store;
  return {
    append: (tx, records, storedAt) => insertLogs(tx, records, storedAt),
    search: (query, page) => searchLogs(reads, query, page),
    get: (refs) => getLogs(store, refs),
    templateCounts: (range) => templateCounts(reads, range),
    async watermark() {
      const row = await store.db
        .selectFrom("logs")
        .select((eb) => eb.fn.max("id").as("max"))
        .executeTakeFirst();
      return row?.max === null || row?.max === undefined ? null : Number(row.max);
    },
    extent: (query) => logExtent(reads, query),
    histogram: (query, intervalMs) => logHistogram(reads, query, intervalMs),
    countBy: (query, field, limit) => logCountBy(reads, query, field, limit),
    context: (ref, around) => logContext(reads, ref, around),
  };
}

async function templateCounts(
  store: StoreScope,
  range: { since: string; until?: string; intervalMs: number },
): Promise<TemplateIntervalCount[]> {
  const sinceMs = Date.parse(range.since);
  const { intervalMs } = range;
  // Bucketed by the database over a seek on the timestamp index; the time arithmetic is the dialect's.
  let q = store.db
    .selectFrom("logs")
    .select((eb) => [
      "logs.template_id",
      sql<number>`floor((${store.dialect.epochMs(eb.ref("logs.timestamp"))} - ${sinceMs}) / ${intervalMs})`.as(
        "bucket",
      ),
      eb.fn.countAll<number>().as("n"),
    ])
    .where("logs.timestamp", ">=", range.since)
    .where("logs.template_id", "is not", null);
  if (range.until) q = q.where("logs.timestamp", "<", range.until);
  const rows = await q.groupBy(["logs.template_id", "bucket"]).execute();
  return rows
    .filter((r): r is typeof r & { template_id: string } => r.template_id !== null)
    .map((r) => ({
      templateId: r.template_id,
      start: new Date(sinceMs + Number(r.bucket) * intervalMs).toISOString(),
      count: Number(r.n),
    }))
    .sort((a, b) =>
      a.start === b.start ? (a.templateId < b.templateId ? -1 : 1) : a.start < b.start ? -1 : 1,
    );
}
