import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Kysely, Transaction } from "kysely";
import type { DialectName, StoreDialect } from "./dialect/dialect.js";
import { openPostgres } from "./dialect/postgres.js";
import { openSqlite } from "./dialect/sqlite.js";
import type { Database } from "./schema.js";

export type { DialectName, StoreDialect };

/**
 * What a repository works on: a query builder (the store's, or a transaction's) and the capabilities of
 * the database behind it (`dialect/dialect.ts`). Repositories that need a capability take a scope;
 * callers never look inside the dialect.
 */
export interface StoreScope {
  readonly db: Kysely<Database>;
  readonly dialect: StoreDialect;
}

/** A scope inside one transaction (`Store.transaction`): what fast bulk inserts require. */
export interface StoreTransaction extends StoreScope {
  readonly db: Transaction<Database>;
}

export interface Store extends StoreScope {
  /** Where the data lives, without credentials (for logs and /health). */
  readonly location: string;
  /**
   * The scope for long reads (log search, histogram, facets): on a SQLite file with read threads, queries
   * run there, off the event loop (`dialect/sqlite-read-pool.ts`); elsewhere the store's own scope. It sees
   * what has committed, never a transaction in progress.
   */
  readonly reader: StoreScope;
  /** Runs `work` in one transaction (SQLite: `BEGIN IMMEDIATE`), committed when it resolves. */
  transaction<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  migrate(): Promise<string[]>;
  /** Cheap liveness probe of the connection. */
  ping(): Promise<void>;
  /** `/health`'s checks for this store's database, given whether `ping` succeeded. */
  healthChecks(ok: boolean): Record<string, "ok" | "error" | "disabled">;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` or a SQLite path (`sqlite:PATH`, `file:PATH` or a bare path). */
  url: string;
  /** SQLite page cache per connection in MiB (config `SQLITE_CACHE_MB`); ignored for PostgreSQL. */
  sqliteCacheMb?: number;
  /** Threads for `Store.reader` on a SQLite file (config `SQLITE_READ_THREADS`); 0 by default. */
  sqliteReadThreads?: number;
  /**
   * Another connection's `StoreDialect.writeTurns` (the sealing thread takes turns at the SQLite write
   * lock with the event loop's connection); ignored for PostgreSQL.
   */
  sqliteWriteTurns?: SharedArrayBuffer | undefined;
}

/** Config `SQLITE_CACHE_MB`'s default, for stores opened without a config (tests, tools). */
export const DEFAULT_SQLITE_CACHE_MB = 64;

/** Resolves which database a config points at (contracts §6.3 C10: `SQLITE_DB_PATH` when no URL). */
export function databaseUrlFor(config: {
  databaseUrl?: string | undefined;
  sqliteDbPath?: string | undefined;
  dataDir: string;
}): string {
  if (config.databaseUrl) return config.databaseUrl;
  if (config.sqliteDbPath) return config.sqliteDbPath;
  return resolve(config.dataDir, "logwarden.db");
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

/** Whether a store URL names PostgreSQL (anything else is a SQLite file). */
export function isPostgresUrl(url: string): boolean {
  return POSTGRES_URL.test(url);
}

/** The SQLite path of a `sqlite:PATH`, `file:PATH` or bare-path URL. */
function sqlitePath(url: string): string {
  return url.replace(/^(sqlite|file):(\/\/)?/, "");
}

/** The only place that picks a dialect. */
export function openStore(options: StoreOptions): Store {
  if (POSTGRES_URL.test(options.url)) {
    const { db, dialect, close } = openPostgres(options.url);
    return makeStore(db, db, dialect, options.url.replace(/\/\/[^@/]*@/, "//"), close);
  }
  const path = sqlitePath(options.url);
  const { db, reader, dialect, close } = openSqlite(
    path,
    options.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB,
    options.sqliteReadThreads ?? 0,
    options.sqliteWriteTurns,
  );
  return makeStore(db, reader, dialect, path, close);
}

/** The store a config points at, with its SQLite settings. */
export function openConfiguredStore(config: {
  databaseUrl?: string | undefined;
  sqliteDbPath?: string | undefined;
  dataDir: string;
  sqliteCacheMb: number;
  sqliteReadThreads?: number;
  sqliteWriteTurns?: SharedArrayBuffer | undefined;
}): Store {
  return openStore({
    url: databaseUrlFor(config),
    sqliteCacheMb: config.sqliteCacheMb,
    sqliteReadThreads: config.sqliteReadThreads ?? 0,
    sqliteWriteTurns: config.sqliteWriteTurns,
  });
}

/**
 * True when `url` names a database that may hold data: a PostgreSQL URL, or a SQLite file that exists
 * (opening a SQLite path creates the file, which a read-only look-up must not do).
 */
export function storeMayExist(url: string): boolean {
  return POSTGRES_URL.test(url) || existsSync(sqlitePath(url));
}

function makeStore(
  db: Kysely<Database>,
  reader: Kysely<Database>,
  dialect: StoreDialect,
  location: string,
  close: () => Promise<void>,
): Store {
  let closed = false;
  return {
    db,
    dialect,
    location,
    reader: { db: reader, dialect },
    transaction: (work) => db.transaction().execute((trx) => work({ db: trx, dialect })),
    // Exactly once across nodes starting together; refuses a schema from a newer version (migrate.ts).
    // The migrations (26 modules) load when a store is migrated, not in every thread that opens one.
    migrate: async () => (await import("./migrate.js")).migrateStore(db, dialect),
    async ping() {
      await db.selectFrom("state").select("key").limit(1).execute();
    },
    healthChecks: (ok) => dialect.healthChecks(ok),
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
