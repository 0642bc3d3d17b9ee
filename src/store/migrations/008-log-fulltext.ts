import { type Kysely, sql } from "kysely";

/**
 * Full-text search over log messages. SQLite: an external-content FTS5 table over `logs.message`, kept in
 * step by triggers (so every insert path, including the prepared fast path, indexes its rows) and built
 * once from the rows already stored. PostgreSQL: a GIN index on the `simple` text-search vector, which the
 * search query uses as is.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect === "postgres") {
    await sql`create index if not exists idx_logs_message_fts on logs using gin (to_tsvector('simple', message))`.execute(
      db,
    );
    return;
  }
  await sql`create virtual table if not exists logs_fts using fts5(message, content='logs', content_rowid='id', tokenize='unicode61')`.execute(
    db,
  );
  await sql`create trigger if not exists logs_fts_insert after insert on logs begin
    insert into logs_fts(rowid, message) values (new.id, new.message);
  end`.execute(db);
  await sql`create trigger if not exists logs_fts_delete after delete on logs begin
    insert into logs_fts(logs_fts, rowid, message) values ('delete', old.id, old.message);
  end`.execute(db);
  await sql`create trigger if not exists logs_fts_update after update of message on logs begin
    insert into logs_fts(logs_fts, rowid, message) values ('delete', old.id, old.message);
    insert into logs_fts(rowid, message) values (new.id, new.message);
  end`.execute(db);
  await sql`insert into logs_fts(logs_fts) values ('rebuild')`.execute(db);
}
