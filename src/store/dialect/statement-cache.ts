import SQLite from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** How a statement returns rows: objects, arrays (`raw`), or the first column only (`pluck`). */
export type StatementMode = "rows" | "raw" | "pluck";

/**
 * On Node 24, keep every database and statement this process opens reachable until it exits.
 *
 * Why: built against Node 24's headers, better-sqlite3 12 aborts the process (`Assertion failed: (env)
 * != nullptr` in `RemoveEnvironmentCleanupHook`) whenever the garbage collector frees one of its objects:
 * a statement dropped after use, the hidden statement of a `db.pragma()` call, a closed database. `serve`
 * died at start about one run in five. Objects that never become garbage are never freed by the
 * collector; Node releases them at exit through its cleanup hooks, which is safe. Measured with a script
 * that prepares and drops statements: aborts within a second on 24.21, runs clean on 22.23 and 26.10;
 * 25 is untested and treated like 24. better-sqlite3 13 fixes it upstream but needs Node 22.
 *
 * The price, on those versions only: one prepared statement per distinct SQL text and mode for the life
 * of the process. The texts come from a fixed set of queries whose `in (…)` lists and multi-row inserts
 * vary in length within their caps, so the set is bounded, but not small for a server that runs for
 * months. Elsewhere each database keeps an LRU of `MAX_STATEMENTS`.
 */
const NODE_MAJOR = Number(process.versions.node.split(".")[0]);
export const KEEP_FOREVER = NODE_MAJOR === 24 || NODE_MAJOR === 25;
export const MAX_STATEMENTS = 512;

type Statements = Map<string, SQLite.Statement>;
const kept = new Map<SQLite.Database, Statements>();
const cached = new WeakMap<SQLite.Database, Statements>();

function statementsOf(database: SQLite.Database): Statements {
  const registry = KEEP_FOREVER ? kept : cached;
  let statements = registry.get(database);
  if (!statements) {
    statements = new Map();
    registry.set(database, statements);
  }
  return statements;
}

/**
 * Opens a database; on Node 24 it is never handed to the garbage collector (see `KEEP_FOREVER`). Tests that
 * open a second connection to a store's file use this too, with `keptStatement` for their queries: one
 * dropped statement is enough to abort a test worker on Node 24.
 */
export function openKeptDatabase(path: string, options?: SQLite.Options): SQLite.Database {
  const database = new SQLite(path, options);
  statementsOf(database);
  return database;
}

/** The statement for `sql` in `mode` on `database`, prepared on first use and reused. */
export function keptStatement(
  database: SQLite.Database,
  sql: string,
  mode: StatementMode = "rows",
): SQLite.Statement {
  const statements = statementsOf(database);
  const key = `${mode}\u0000${sql}`;
  let stmt = statements.get(key);
  if (stmt) {
    if (!KEEP_FOREVER) {
      // Refresh its place in the LRU order.
      statements.delete(key);
      statements.set(key, stmt);
    }
    return stmt;
  }
  stmt = database.prepare(sql);
  if (mode === "raw") stmt.raw(true);
  else if (mode === "pluck") stmt.pluck(true);
  statements.set(key, stmt);
  if (!KEEP_FOREVER && statements.size > MAX_STATEMENTS) statements.delete(statements.keys().next().value!);
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
