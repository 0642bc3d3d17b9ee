import { type Kysely, sql } from "kysely";
import type { JsonObject } from "../../core/json.js";
import { fromJsonText } from "../json.js";
import { likeContains } from "../like.js";
import type { Database } from "../schema.js";

/** Filters of a log search; every value is bound as a parameter and matched literally. */
export interface LogFilters {
  service?: string;
  host?: string;
  templateId?: string;
  /** OpenTelemetry severity number, inclusive (9 info, 13 warn, 17 error, 21 fatal). */
  minSeverityNumber?: number;
  /** ISO UTC, inclusive. */
  since?: string;
  /** ISO UTC, exclusive. */
  until?: string;
  /** Case-insensitive substring of the message. */
  text?: string;
}

export interface FoundLog {
  id: number;
  timestamp: string;
  service: string;
  level: string | null;
  severity_number: number;
  host: string | null;
  message: string;
  template_id: string | null;
  metadata: JsonObject;
}

/**
 * Stored log records, newest first (ties by higher id). The text filter is a scan over what the
 * other filters leave, so callers keep `limit` small.
 */
export async function searchLogs(
  db: Kysely<Database>,
  filters: LogFilters,
  page: { limit: number; offset?: number },
): Promise<FoundLog[]> {
  let q = db
    .selectFrom("logs")
    .select([
      "id",
      "timestamp",
      "service",
      "level",
      "severity_number",
      "host",
      "message",
      "template_id",
      "metadata",
    ]);
  if (filters.service) q = q.where("service", "=", filters.service);
  if (filters.host) q = q.where("host", "=", filters.host);
  if (filters.templateId) q = q.where("template_id", "=", filters.templateId);
  if (filters.minSeverityNumber !== undefined)
    q = q.where("severity_number", ">=", filters.minSeverityNumber);
  if (filters.since) q = q.where("timestamp", ">=", filters.since);
  if (filters.until) q = q.where("timestamp", "<", filters.until);
  if (filters.text) {
    const pattern = likeContains(filters.text);
    q = q.where((eb) => sql<boolean>`lower(${eb.ref("message")}) like ${pattern} escape '\\'`);
  }
  q = q.orderBy("timestamp", "desc").orderBy("id", "desc").limit(page.limit);
  if (page.offset) q = q.offset(page.offset);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    timestamp: r.timestamp,
    service: r.service,
    level: r.level,
    severity_number: Number(r.severity_number),
    host: r.host,
    message: r.message,
    template_id: r.template_id,
    metadata: fromJsonText<JsonObject>(r.metadata, {}),
  }));
}
