import type { Statement } from "better-sqlite3";
import type { Store } from "./db.js";
import { keptStatement } from "./statement-cache.js";

/** Tables whose changes are counted (migration 009). */
export type VersionedTable = "anomalies";

/**
 * A reader of `table`'s change version: equal values mean no committed or pending write touched the
 * table in between, so an answer computed at one version can be served again at the same version.
 * The reader gives undefined when the version is unknown (the table is not migrated yet), and is itself
 * undefined where versions are not kept (PostgreSQL): callers then read the table every time.
 *
 * Reads through the raw connection, a prepared one-row lookup of a few microseconds, because a cache
 * check must cost far less than the query it saves. A check made outside Kysely's connection lock can
 * see the bump of a transaction that has not committed yet; no answer is ever stored under such a
 * number (answers are stored under the version read with the rows, under the lock), so the check just
 * misses. Read the version before the rows: the answer is then at least as new as its version.
 */
export function changeVersionReader(
  store: Store,
  table: VersionedTable,
): (() => number | undefined) | undefined {
  const sqlite = store.sqlite;
  if (!sqlite) return undefined;
  // Prepared on first use: the reader may be made before the migrations have run.
  let stmt: Statement | undefined;
  return () => {
    stmt ??= keptStatement(sqlite, "select version from change_versions where name = ?", "pluck");
    return stmt.get(table) as number | undefined;
  };
}
