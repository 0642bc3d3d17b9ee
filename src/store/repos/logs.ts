import type { Kysely } from "kysely";
import { hostOf, type LogRecord, serviceOf } from "../../core/log-record.js";
import type { TemplateParam } from "../../core/template.js";
import type { StoreTransaction } from "../db.js";
import { toJsonText } from "../json.js";
import type { Database } from "../schema.js";

export interface LogToStore extends LogRecord {
  stream: string;
  templateId: string | null;
  params: readonly TemplateParam[] | null;
}

const LOG_COLUMNS = [
  "timestamp",
  "service",
  "level",
  "message",
  "metadata",
  "created_at",
  "observed_at",
  "severity_number",
  "host",
  "resource",
  "stream",
  "template_id",
  "params",
] as const;

/**
 * Inserts records and returns their ids in input order, through the dialect's fast bulk insert (SQLite:
 * prepared statements on the raw connection, which the transaction holds).
 */
export function insertLogs(
  tx: StoreTransaction,
  records: readonly LogToStore[],
  now: string,
): Promise<number[]> {
  // Records of one source usually share one resource object: encode it once per run of equal objects.
  let lastResource: LogToStore["resource"] | undefined;
  let lastResourceText = "";
  return tx.dialect.insertMany(tx.db, {
    table: "logs",
    columns: LOG_COLUMNS,
    rows: records.length,
    write(i, values, at) {
      const r = records[i]!;
      let v = at;
      values[v++] = r.timestamp;
      values[v++] = serviceOf(r);
      values[v++] = r.severityText;
      values[v++] = r.body;
      values[v++] = toJsonText(r.attributes);
      values[v++] = now;
      values[v++] = r.observedTimestamp;
      values[v++] = r.severityNumber;
      values[v++] = hostOf(r);
      if (r.resource !== lastResource) {
        lastResource = r.resource;
        lastResourceText = toJsonText(r.resource);
      }
      values[v++] = lastResourceText;
      values[v++] = r.stream;
      values[v++] = r.templateId;
      values[v] = r.params ? toJsonText(r.params) : null;
    },
  });
}

export async function countLogs(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("logs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
