import { type Kysely, sql } from "kysely";

/**
 * PostgreSQL: log search splits messages into words as SQLite's FTS5 does (runs of letters and digits),
 * so one search finds the same lines on both databases. The `simple` parser alone keeps paths, host
 * names, dotted numbers and e-mail addresses whole (`/dev/sda1`, `10.0.0.12`), so `sda1` or `12` found
 * nothing there while SQLite found them. The new GIN index is over the message with everything but letters
 * and digits turned into spaces (the expression `dialect/postgres.ts` searches with); it replaces 008's.
 * SQLite: nothing changes.
 */
export async function up(db: Kysely<unknown>, dialect: "sqlite" | "postgres"): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`create index if not exists idx_logs_message_words on logs using gin (to_tsvector('simple', regexp_replace(message, '[^[:alnum:]]+', ' ', 'g')))`.execute(
    db,
  );
  await sql`drop index if exists idx_logs_message_fts`.execute(db);
}
