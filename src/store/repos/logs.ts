import type { Kysely } from "kysely";
import { hostOf, type LogRecord, serviceOf, type TemplateParam } from "../../core/log-record.js";
import { toJsonText } from "../json.js";
import type { Database } from "../schema.js";

export interface LogToStore extends LogRecord {
  stream: string;
  templateId: string | null;
  params: readonly TemplateParam[] | null;
}

// SQLite allows 32,766 bound variables per statement; 14 columns × 1,000 rows stays well under it.
const ROWS_PER_STATEMENT = 1_000;

/** Inserts records in multi-row statements and returns their ids in input order. Run inside a transaction. */
export async function insertLogs(
  db: Kysely<Database>,
  records: readonly LogToStore[],
  now: string,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
    const rows = records.slice(i, i + ROWS_PER_STATEMENT).map((r) => ({
      timestamp: r.timestamp,
      service: serviceOf(r),
      level: r.severityText,
      message: r.body,
      metadata: toJsonText(r.attributes),
      created_at: now,
      observed_at: r.observedTimestamp,
      severity_number: r.severityNumber,
      host: hostOf(r),
      resource: toJsonText(r.resource),
      stream: r.stream,
      template_id: r.templateId,
      params: r.params ? toJsonText(r.params) : null,
    }));
    const inserted = await db.insertInto("logs").values(rows).returning("id").execute();
    for (const row of inserted) ids.push(Number(row.id));
  }
  return ids;
}

export async function countLogs(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom("logs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function getLogsByIds(db: Kysely<Database>, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db.selectFrom("logs").selectAll().where("id", "in", ids).orderBy("id").execute();
}
