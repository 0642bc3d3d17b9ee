import type SQLite from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * Kysely's SQLite driver prepares every statement it runs; on a hot route preparing costs more than
 * running the query. This wraps the connection so each SQL text is prepared once and reused (an LRU
 * of `size` statements; multi-row inserts of varying width make a bounded number of texts). Safe on
 * one connection: Kysely runs one query at a time on it.
 */
export function cachingDatabase(database: SQLite.Database, size = 256): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Refresh its place in the LRU order.
        cache.delete(sql);
        cache.set(sql, stmt);
        return stmt;
      }
      stmt = database.prepare(sql) as unknown as SqliteStatement;
      cache.set(sql, stmt);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}
