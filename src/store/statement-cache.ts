import SQLite from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** How a statement returns rows: objects, arrays (`raw`), or the first column only (`pluck`). */
export type StatementMode = "rows" | "raw" | "pluck";

/**
 * Every database and statement this process opens, kept reachable until it exits.
 *
 * Why: on Node 24, better-sqlite3 12 aborts the process (`Assertion failed: (env) != nullptr` in
 * `RemoveEnvironmentCleanupHook`) when the garbage collector frees one of its objects — a statement
 * dropped after use, a `db.pragma()` call's hidden statement, a closed database. A served process died
 * at start about one time in five and under load within seconds. Objects that are never garbage are
 * never freed by the collector; Node releases them at exit through its cleanup hooks, which is safe.
 * better-sqlite3 13 fixes this but needs Node 22.
 *
 * Cost: a statement per distinct SQL text and mode, for the life of the process. The texts come from a
 * fixed set of queries (lists of `?` and multi-row inserts vary in length, within their caps), so this
 * is bounded: hundreds of statements, not a growing set.
 */
const kept = new Map<SQLite.Database, Map<string, SQLite.Statement>>();

/** Opens a database that is never handed to the garbage collector (see `kept`). */
export function openKeptDatabase(path: string): SQLite.Database {
  const database = new SQLite(path);
  kept.set(database, new Map());
  return database;
}

/** The statement for `sql` in `mode` on `database`, prepared on first use and kept (see `kept`). */
export function keptStatement(
  database: SQLite.Database,
  sql: string,
  mode: StatementMode = "rows",
): SQLite.Statement {
  let statements = kept.get(database);
  if (!statements) {
    statements = new Map();
    kept.set(database, statements);
  }
  const key = `${mode}\u0000${sql}`;
  let stmt = statements.get(key);
  if (!stmt) {
    stmt = database.prepare(sql);
    if (mode === "raw") stmt.raw(true);
    else if (mode === "pluck") stmt.pluck(true);
    statements.set(key, stmt);
  }
  return stmt;
}

/**
 * The connection as Kysely's SQLite driver sees it, with each SQL text prepared once: Kysely prepares
 * every statement it runs, and on a hot route preparing costs more than running the query. Safe on one
 * connection: Kysely runs one query at a time on it.
 */
export function cachingDatabase(database: SQLite.Database): SqliteDatabase {
  return {
    close: () => database.close(),
    prepare: (sql: string) => keptStatement(database, sql) as unknown as SqliteStatement,
  };
}
