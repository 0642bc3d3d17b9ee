import { type Kysely, sql } from "kysely";

/**
 * Issue 18: a change version for `log_segments` (the `change_versions` table of migration 009), bumped by
 * triggers on every insert, update and delete, whichever process or connection writes (the seal thread,
 * another `logwarden` on the file, retention, the table conversion). A segment store's readers keep the
 * listing of sealed segments in memory while the version stays the same (`PieceCatalog`,
 * src/store/segments/piece-catalog.ts): a search then lists only the unsealed batches, a handful of rows,
 * instead of every segment (most of what a newest page or an hour's search cost).
 *
 * Batches get no version: `append` writes one in every ingest transaction, so a version would change on
 * nearly every search under ingest, and listing the few batches costs about what reading a version does.
 *
 * SQLite only, as migration 009: on PostgreSQL the readers list the segments every time.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "postgres") return;
  await sql`insert or ignore into change_versions (name, version) values ('log_segments', 0)`.execute(db);
  for (const event of ["insert", "update", "delete"]) {
    await sql
      .raw(
        `create trigger if not exists log_segments_version_${event} after ${event} on log_segments begin
          update change_versions set version = version + 1 where name = 'log_segments';
        end`,
      )
      .execute(db);
  }
}
