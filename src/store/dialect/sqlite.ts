import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type SQLite from "better-sqlite3";
import { type Compilable, Kysely, sql, type Transaction } from "kysely";
import type { Database } from "../schema.js";
import type { BulkInsert, StoreDialect, VersionedTable } from "./dialect.js";
import { ImmediateSqliteDialect } from "./sqlite-driver.js";
import { readPoolDialect, SqliteReadPool } from "./sqlite-read-pool.js";
import { WriteTurns } from "./sqlite-write-turns.js";
import { cachingDatabase, keptStatement, openKeptDatabase } from "./statement-cache.js";

// 100 rows per prepared statement: few native calls per batch, a small statement (100 × 13 columns
// stays far under SQLite's 32,766 bound variables).
const FAST_ROWS = 100;

/** The connection behind each SQLite dialect, for `sqliteConnectionOf` (tests that inject faults). */
const connections = new WeakMap<StoreDialect, SQLite.Database>();

/** The insert text for `rows` rows of one table and column list, built once per width. */
const insertTexts = new Map<string, string[]>();

function insertText(insert: BulkInsert, rows: number): string {
  const key = `${insert.table}(${insert.columns.join(",")})`;
  let texts = insertTexts.get(key);
  if (!texts) {
    texts = [];
    insertTexts.set(key, texts);
  }
  let text = texts[rows];
  if (!text) {
    const one = `(${insert.columns.map(() => "?").join(",")})`;
    text = `insert into ${insert.table} (${insert.columns.join(",")}) values ${Array(rows).fill(one).join(",")} returning id`;
    texts[rows] = text;
  }
  return text;
}

/**
 * SQLite's capabilities. The raw connection is used only while Kysely holds it (inside a transaction,
 * or `pinned`), so nothing interleaves with Kysely's own statements on this one connection.
 */
function sqliteDialect(database: SQLite.Database, writeTurns: SharedArrayBuffer | undefined): StoreDialect {
  // Prepared on first use: the dialect exists before the migrations have run.
  const versionStatement = () =>
    keptStatement(database, "select version from change_versions where name = ?", "pluck");
  const dialect: StoreDialect = {
    name: "sqlite",

    async insertMany(_tx: Transaction<Database>, insert: BulkInsert): Promise<number[]> {
      const width = insert.columns.length;
      const ids: number[] = new Array(insert.rows);
      let k = 0;
      for (let i = 0; i < insert.rows; i += FAST_ROWS) {
        const n = Math.min(FAST_ROWS, insert.rows - i);
        const values: unknown[] = new Array(n * width);
        for (let j = 0; j < n; j++) insert.write(i + j, values, j * width);
        // Ids come from `returning`, so nothing is assumed about how SQLite numbers rows.
        const inserted = keptStatement(database, insertText(insert, n), "raw").all(values) as [
          number | bigint,
        ][];
        for (const row of inserted) ids[k++] = Number(row[0]);
      }
      return ids;
    },

    logsMatchTerms(terms) {
      // Quoted terms: the text is never FTS5 query syntax; the last term is a prefix (a word being typed).
      const query = terms
        .map((t, i) => `"${t.replaceAll('"', '""')}"${i === terms.length - 1 ? "*" : ""}`)
        .join(" ");
      return sql<boolean>`logs.id in (select rowid from logs_fts where logs_fts match ${query})`;
    },

    async logsSearchWalksTimeIndex(db, match, threshold) {
      const row = await db
        .selectFrom((eb) => eb.selectFrom("logs").select("logs.id").where(match).limit(threshold).as("m"))
        .select((eb) => eb.fn.countAll<number>().as("n"))
        .executeTakeFirst();
      return Number(row?.n ?? 0) >= threshold;
    },

    changeVersion(table: VersionedTable) {
      // A check made outside Kysely's connection lock can see the bump of a transaction that has not
      // committed yet; no answer is stored under such a number (answers are stored under the version read
      // with the rows, in `pinned`), so the check just misses.
      return () => versionStatement().get(table) as number | undefined;
    },

    changeVersions(tables: readonly VersionedTable[]) {
      // One row of one statement: one read of the file (the segment store's listing asks on every search).
      const text = `select ${tables.map(() => "(select version from change_versions where name = ?)").join(", ")}`;
      return () =>
        (keptStatement(database, text, "raw").get(...tables) as (number | null)[]).map((v) => v ?? undefined);
    },

    boolParam: (value) => (value ? 1 : 0),

    epochMs: (isoText) => sql<number>`cast(round((julianday(${isoText}) - 2440587.5) * 86400000) as integer)`,

    skipLocked: (query) => query,

    lockKeys: async () => {},

    async selectTuples<T extends unknown[]>(_db: Kysely<Database>, query: Compilable): Promise<T[]> {
      const compiled = query.compile();
      return keptStatement(database, compiled.sql, "raw").all(...compiled.parameters) as T[];
    },

    pinned: (db, work) => db.connection().execute(work),

    async releaseFreePages(db) {
      // 2: incremental. A file made before auto-vacuum was turned on (0) keeps its free pages for reuse.
      // Kept statements, not `database.pragma()`: its hidden statement, once collected, aborts Node 24
      // (statement-cache.ts).
      const mode = Number(keptStatement(database, "pragma auto_vacuum", "pluck").get());
      const free = Number(keptStatement(database, "pragma freelist_count", "pluck").get());
      if (mode !== 2 || free === 0) return 0;
      // Run to the end by sqlite3_exec: a prepared statement's one step (Kysely's `run`) frees one page.
      // Under Kysely's connection lock, so no statement of ours runs inside it.
      await db.connection().execute(async () => database.exec("pragma incremental_vacuum"));
      return free;
    },

    migrationSchema: async () => undefined,

    healthChecks: (ok) => ({ sqlite: ok ? "ok" : "error" }),

    writeTurns,
  };
  connections.set(dialect, database);
  return dialect;
}

/**
 * Opens the SQLite file at `path` (created with its folder when missing) and its capabilities. With
 * `readThreads` > 0 and a file (not `:memory:`, which no other connection can see), `reader` runs its
 * queries on that many threads of their own (`sqlite-read-pool.ts`); otherwise it is `db`. With
 * `takeTurns` (another connection's `StoreDialect.writeTurns`), this connection asks that one for its
 * turns at the write lock (`sqlite-write-turns.ts`); without, a file's connection gives them.
 */
export function openSqlite(
  path: string,
  cacheMb: number,
  readThreads = 0,
  takeTurns?: SharedArrayBuffer,
): { db: Kysely<Database>; reader: Kysely<Database>; dialect: StoreDialect; close(): Promise<void> } {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  let database: SQLite.Database;
  try {
    database = openKeptDatabase(path);
    // Free pages can be given back (`releaseFreePages`). Only a new file takes it: SQLite ignores it once
    // a table exists, and a file made before keeps reusing its free pages as it always did.
    database.exec("pragma auto_vacuum = INCREMENTAL");
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
  const separateFile = path !== ":memory:" && path !== "";
  // A file's connection gives turns (its words go to the dialect for a sealing thread), unless it takes them.
  const given = separateFile && !takeTurns ? new WriteTurns() : undefined;
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect(
      { database: cachingDatabase(database) },
      takeTurns ? new WriteTurns(takeTurns).taker() : given?.yielder(),
    ),
  });
  const dialect = sqliteDialect(database, given?.buffer);
  if (readThreads <= 0 || !separateFile) {
    return { db, reader: db, dialect, close: () => db.destroy() };
  }
  const reader = new Kysely<Database>({
    dialect: readPoolDialect(new SqliteReadPool(resolve(path), cacheMb, readThreads)),
  });
  return {
    db,
    reader,
    dialect,
    close: async () => {
      await reader.destroy();
      await db.destroy();
    },
  };
}

/**
 * The raw connection behind a SQLite store's dialect, undefined on PostgreSQL. For tests that inject
 * faults with triggers or read pragmas; application code asks the dialect for a capability instead.
 */
export function sqliteConnectionOf(store: { dialect: StoreDialect }): SQLite.Database | undefined {
  return connections.get(store.dialect);
}
