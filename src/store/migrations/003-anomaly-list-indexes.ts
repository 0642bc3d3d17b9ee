import type { Kysely } from "kysely";

/**
 * Keyset pagination of anomalies, newest first, stays an index walk at any depth: `(timestamp, id)`
 * for the unfiltered listing and `(<filter column>, timestamp, id)` for each equality filter, so a
 * filtered page never sorts the table. (SQLite appends the rowid to every index; `id` is spelled out
 * for PostgreSQL.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const indexes: [string, string[]][] = [
    ["idx_anomalies_timestamp_id", ["timestamp", "id"]],
    ["idx_anomalies_agent_timestamp_id", ["agent_name", "timestamp", "id"]],
    ["idx_anomalies_severity_timestamp_id", ["severity", "timestamp", "id"]],
    ["idx_anomalies_status_timestamp_id", ["status", "timestamp", "id"]],
    ["idx_anomalies_service_timestamp_id", ["service", "timestamp", "id"]],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).ifNotExists().on("anomalies").columns(columns).execute();
  }
}
