import type { StoreScope } from "./db.js";
import type { VersionedTable } from "./dialect/dialect.js";

export type { VersionedTable };

/**
 * A reader of `table`'s change version: equal values mean no committed or pending write touched the
 * table in between, so an answer computed at one version can be served again at the same version.
 * The reader gives undefined when the version is unknown (the table is not migrated yet), and is itself
 * undefined where versions are not kept (PostgreSQL): callers then read the table every time.
 *
 * A cache check must cost far less than the query it saves, so SQLite reads it with a prepared one-row
 * lookup of a few microseconds. Read the version before the rows, inside `dialect.pinned`: the answer is
 * then at least as new as its version.
 */
export function changeVersionReader(
  store: StoreScope,
  table: VersionedTable,
): (() => number | undefined) | undefined {
  return store.dialect.changeVersion(table);
}
