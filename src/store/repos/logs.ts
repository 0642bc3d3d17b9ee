import type SQLite from "better-sqlite3";
import type { Kysely } from "kysely";
import { hostOf, type LogRecord, serviceOf, type TemplateParam } from "../../core/log-record.js";
import { toJsonText } from "../json.js";
import type { Database } from "../schema.js";
import { keptStatement } from "../statement-cache.js";

export interface LogToStore extends LogRecord {
  stream: string;
  templateId: string | null;
  params: readonly TemplateParam[] | null;
}

// SQLite allows 32,766 bound variables per statement; 14 columns × 1,000 rows stays well under it.
const ROWS_PER_STATEMENT = 1_000;

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

// 100 rows × 13 columns per prepared statement: few native calls per batch, a small statement.
const FAST_ROWS = 100;

/** The insert text for `rows` rows, built once per width. */
const insertTexts: string[] = [];

function fastInsert(raw: SQLite.Database, rows: number): SQLite.Statement {
  let text = insertTexts[rows];
  if (!text) {
    const one = `(${LOG_COLUMNS.map(() => "?").join(",")})`;
    text = `insert into logs (${LOG_COLUMNS.join(",")}) values ${Array(rows).fill(one).join(",")} returning id`;
    insertTexts[rows] = text;
  }
  return keptStatement(raw, text, "raw");
}

/**
 * SQLite fast path: the same rows through prepared statements on the raw connection, skipping query
 * building (which cost more than SQLite's own work at ingest rates). Ids come from `returning`, so
 * nothing is assumed about how SQLite numbers rows.
 */
function insertLogsSqlite(raw: SQLite.Database, records: readonly LogToStore[], now: string): number[] {
  const ids: number[] = new Array(records.length);
  let k = 0;
  // Records of one source usually share one resource object: encode it once per run of equal objects.
  let lastResource: LogToStore["resource"] | undefined;
  let lastResourceText = "";
  for (let i = 0; i < records.length; i += FAST_ROWS) {
    const n = Math.min(FAST_ROWS, records.length - i);
    const values: unknown[] = new Array(n * LOG_COLUMNS.length);
    let v = 0;
    for (let j = i; j < i + n; j++) {
      const r = records[j]!;
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
      values[v++] = r.params ? toJsonText(r.params) : null;
    }
    for (const row of fastInsert(raw, n).all(values) as [number | bigint][]) ids[k++] = Number(row[0]);
  }
  return ids;
}

/**
 * Inserts records in multi-row statements and returns their ids in input order. Run inside a
 * transaction on `db`; pass the store's raw SQLite connection (`Store.sqlite`) to take the fast path.
 */
export async function insertLogs(
  db: Kysely<Database>,
  records: readonly LogToStore[],
  now: string,
  sqlite?: SQLite.Database,
): Promise<number[]> {
  if (sqlite) return insertLogsSqlite(sqlite, records, now);
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
