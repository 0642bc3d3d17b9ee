import { type Kysely, sql } from "kysely";

/**
 * Issue 18: a change version for `log_batches` too (as migration 019's for `log_segments`), bumped by
 * triggers on every insert, update and delete, whichever process or connection writes. A segment store's
 * readers keep the unsealed batches' listing beside the segments' (`PieceCatalog`): while neither version
 * moved, a search reads the two versions (prepared one-row reads) and no listing at all. Under ingest the
 * batches' version moves with every append and a search lists the batches as before; when the store is
 * quiet, or between appends, that statement (through the query builder, about a quarter of a warm newest
 * page's CPU) is saved. The cost to ingest: one counter update per appended batch (thousands of lines).
 *
 * SQLite only, as migrations 009 and 019: on PostgreSQL the readers list every piece every time.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "postgres") return;
  await sql`insert or ignore into change_versions (name, version) values ('log_batches', 0)`.execute(db);
  for (const event of ["insert", "update", "delete"]) {
    await sql
      .raw(
        `create trigger if not exists log_batches_version_${event} after ${event} on log_batches begin
          update change_versions set version = version + 1 where name = 'log_batches';
        end`,
      )
      .execute(db);
  }
}
