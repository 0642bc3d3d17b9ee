import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { migrationProvider } from "./migrations/index.js";
import { PostgresTextPlugin } from "./postgres-text.js";
import type { Database } from "./schema.js";
import { ImmediateSqliteDialect } from "./sqlite-dialect.js";
import { cachingDatabase, openKeptDatabase } from "./statement-cache.js";

export type DialectName = "sqlite" | "postgres";

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: DialectName;
  /** Where the data lives, without credentials (for logs and /health). */
  readonly location: string;
  /**
   * SQLite only: the raw connection, for hot paths that skip query building (`insertLogs`, the anomaly
   * listing). Use it while Kysely holds this one connection — inside a transaction on `db` or
   * `db.connection()` — so nothing interleaves; statements through `keptStatement`
   * (`statement-cache.ts`). The one read outside is the change-version check, which tolerates it.
   */
  readonly sqlite?: SQLite.Database;
  migrate(): Promise<string[]>;
  /** Cheap liveness probe of the connection. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** `postgres://…` or a SQLite path (`sqlite:PATH`, `file:PATH` or a bare path). */
  url: string;
  /** SQLite page cache per connection in MiB (config `SQLITE_CACHE_MB`); ignored for PostgreSQL. */
  sqliteCacheMb?: number;
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

/** The only place that picks a dialect. */
export function openStore(options: StoreOptions): Store {
  return /^postgres(ql)?:\/\//.test(options.url)
    ? openPostgres(options.url)
    : openSqlite(options.url, options.sqliteCacheMb ?? DEFAULT_SQLITE_CACHE_MB);
}

/** The store a config points at, with its SQLite settings. */
export function openConfiguredStore(config: {
  databaseUrl?: string | undefined;
  sqliteDbPath?: string | undefined;
  dataDir: string;
  sqliteCacheMb: number;
}): Store {
  return openStore({ url: databaseUrlFor(config), sqliteCacheMb: config.sqliteCacheMb });
}

function openSqlite(url: string, cacheMb: number): Store {
  const path = url.replace(/^(sqlite|file):(\/\/)?/, "");
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  let database: SQLite.Database;
  try {
    database = openKeptDatabase(path);
    // WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes in WAL mode.
    database.exec("pragma journal_mode = WAL");
    database.exec("pragma synchronous = NORMAL");
    database.exec("pragma busy_timeout = 5000");
    database.exec("pragma foreign_keys = ON");
    // Negative: a size in KiB rather than in pages.
    database.exec(`pragma cache_size = -${Math.round(cacheMb * 1024)}`);
  } catch (error) {
    // SQLite's own text ("file is not a database") does not say which file.
    throw new Error(`cannot open the SQLite database ${path}: ${(error as Error).message}`);
  }
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: cachingDatabase(database) }),
  });
  const store = makeStore(db, "sqlite", path, async () => {
    await db.destroy();
  });
  return { ...store, sqlite: database };
}

// bigint (int8) columns such as template counts come back as numbers, not strings.
pg.types.setTypeParser(20, (value) => Number(value));

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new PostgresTextPlugin()],
  });
  const location = url.replace(/\/\/[^@/]*@/, "//");
  return makeStore(db, "postgres", location, async () => {
    await db.destroy();
  });
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema)
    throw new Error("PostgreSQL has no current schema: set search_path to a schema Logwarden may use");
  return schema;
}

function makeStore(
  db: Kysely<Database>,
  dialect: DialectName,
  location: string,
  close: () => Promise<void>,
): Store {
  let closed = false;
  return {
    db,
    dialect,
    location,
    async migrate() {
      const migrator = new Migrator({
        db,
        provider: migrationProvider(dialect),
        migrationTableName: "schema_migrations",
        migrationLockTableName: "schema_migrations_lock",
        // PostgreSQL: name the schema the tables live in (the search_path's first). Without it Kysely
        // looks the migration tables up in every schema, so one in another schema of the same database
        // (another Logwarden, another Kysely app) is taken for ours and migrating fails.
        ...(dialect === "postgres" ? { migrationTableSchema: await currentSchema(db) } : {}),
      });
      const { error, results } = await migrator.migrateToLatest();
      if (error) throw error instanceof Error ? error : new Error(String(error));
      return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
    },
    async ping() {
      await db.selectFrom("state").select("key").limit(1).execute();
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
