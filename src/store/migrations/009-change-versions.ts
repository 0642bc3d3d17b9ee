import { type Kysely, sql } from "kysely";

/**
 * A version number per table that readers cache, bumped by triggers on every insert, update and delete,
 * so a cached answer is reused only while nothing changed it: whichever process, connection or code path
 * wrote the rows (ingest, a verdict, retention, another `logwarden` on the same file). The counter is
 * transactional: a rolled-back write leaves it as it was.
 *
 * SQLite only. On PostgreSQL a shared counter row would serialise every node's anomaly-writing
 * transaction on its row lock; there the listing reads the database every time (see
 * `src/store/change-version.ts`).
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "postgres") return;
  await sql`create table if not exists change_versions (name text primary key, version integer not null)`.execute(
    db,
  );
  await sql`insert or ignore into change_versions (name, version) values ('anomalies', 0)`.execute(db);
  for (const event of ["insert", "update", "delete"]) {
    await sql
      .raw(
        `create trigger if not exists anomalies_version_${event} after ${event} on anomalies begin
          update change_versions set version = version + 1 where name = 'anomalies';
        end`,
      )
      .execute(db);
  }
}
