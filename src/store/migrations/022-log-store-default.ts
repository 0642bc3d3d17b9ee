import { type Kysely, sql } from "kysely";

/**
 * Issue 50: the segment store is the default for a new database, and a database that held the `logs`
 * table keeps it. Which one a database serves is recorded once, here, in `state` under `log_store`
 * (src/store/log-store-engine.ts), so every later start (and every node of a cluster: migrations run once)
 * decides the same way while `LOG_STORE` is unset:
 *
 * - lines in segments or batches, or references issued (`log_refs`): `segments`;
 * - otherwise, a database already in use (a line in `logs`, a template, a saved state, an API token, an
 *   anomaly): `table`, what it ran with before segments became the default;
 * - otherwise (a new database, everything still empty): `segments`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const any = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows.length > 0;
  const inSegments =
    (await any(sql`select 1 from log_segments limit 1`)) ||
    (await any(sql`select 1 from log_batches limit 1`)) ||
    (await any(sql`select 1 from log_refs where last_ref > 0 limit 1`));
  let engine = "segments";
  if (!inSegments) {
    for (const table of ["logs", "templates", "state", "api_tokens", "anomalies"]) {
      if (await any(sql`select 1 from ${sql.table(table)} limit 1`)) {
        engine = "table";
        break;
      }
    }
  }
  const value = JSON.stringify({ engine });
  await sql`insert into state (key, value, updated_at) values ('log_store', ${value}, ${new Date().toISOString()})`.execute(
    db,
  );
}
