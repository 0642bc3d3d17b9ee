import type {
  Compilable,
  Expression,
  Kysely,
  RawBuilder,
  SelectQueryBuilder,
  SqlBool,
  Transaction,
} from "kysely";
import type { Database } from "../schema.js";

export type DialectName = "sqlite" | "postgres";

/** Tables whose changes are counted (migrations 009, 019, 020), so readers can cache answers per version. */
export type VersionedTable = "anomalies" | "log_segments" | "log_batches";

/**
 * Writes row `index`'s values, in the insert's column order, into `out` from position `at`. A callback
 * rather than row objects so the SQLite fast path fills its parameter array directly.
 */
export type RowWriter = (index: number, out: unknown[], at: number) => void;

/** A multi-row insert that returns the new rows' ids in input order. */
export interface BulkInsert {
  table: "logs";
  columns: readonly string[];
  rows: number;
  write: RowWriter;
}

/** `/health` checks for the store: the database in use is `ok` or `error`, SQLite `disabled` on PostgreSQL. */
export type StoreHealthChecks = Record<string, "ok" | "error" | "disabled">;

/**
 * Everything that differs between SQLite and PostgreSQL, named by what repositories need (the way Kysely
 * keeps `dialect/<db>/`): one implementation per database, `dialect/sqlite.ts` and `dialect/postgres.ts`.
 * Repositories take a store or transaction scope and ask its dialect; nothing outside `src/store` tests
 * which database it is, and no raw connection leaves `src/store/dialect/`.
 */
export interface StoreDialect {
  /** Which database, for the store's own use (migrations). */
  readonly name: DialectName;

  /**
   * Fast bulk insert inside a transaction. SQLite runs prepared multi-row statements on the raw connection
   * (query building cost more than SQLite's own work at ingest rates); PostgreSQL builds the statements.
   */
  insertMany(tx: Transaction<Database>, insert: BulkInsert): Promise<number[]>;

  /**
   * A condition on `logs` that is true when the message holds every one of `terms` (lower case runs of
   * letters and digits, never empty), the last also as the start of a longer word, through each database's
   * full-text index: FTS5 on SQLite, on PostgreSQL a GIN index over the message with everything but letters
   * and digits turned into spaces (migration 014), so both split a message into the same words.
   * `repos/log-fulltext.ts` turns a search text into terms.
   */
  logsMatchTerms(terms: readonly string[]): Expression<SqlBool>;

  /**
   * Whether a newest-first search page for the full-text condition `match` should walk the timestamp index
   * (stopping at the page's end) instead of being driven by the matches: true when at least `threshold`
   * lines match. SQLite otherwise reads every match's row and sorts them all for one page, so it counts the
   * matches, at most `threshold` of them; PostgreSQL plans by its own statistics: always false.
   */
  logsSearchWalksTimeIndex(
    db: Kysely<Database>,
    match: Expression<SqlBool>,
    threshold: number,
  ): Promise<boolean>;

  /**
   * A reader of `table`'s change version (equal values: nothing wrote the table in between), or undefined
   * where versions are not kept (PostgreSQL: a shared counter row would serialise every writer).
   */
  changeVersion(table: VersionedTable): (() => number | undefined) | undefined;

  /**
   * `changeVersion` of several tables read in one statement, so at one moment, in the order given
   * (undefined for a table without a version row), or undefined where versions are not kept.
   */
  changeVersions(tables: readonly VersionedTable[]): (() => (number | undefined)[]) | undefined;

  /** A boolean as the driver binds it (better-sqlite3 binds no booleans: 1/0). */
  boolParam(value: boolean): boolean | number;

  /** Milliseconds since the epoch of an ISO-8601 UTC text column, computed by the database. */
  epochMs(isoText: Expression<string>): RawBuilder<number>;

  /**
   * Locks the selected rows for this transaction and skips rows another transaction holds (`FOR UPDATE
   * SKIP LOCKED`) where the database has it; on SQLite, whose one writer holds the whole file from
   * `BEGIN IMMEDIATE`, the query is unchanged.
   */
  skipLocked<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>): SelectQueryBuilder<DB, TB, O>;

  /**
   * Holds a lock on each of `keys` until this transaction ends, so transactions of other processes that
   * lock one of the same keys wait for it: PostgreSQL transaction advisory locks on each key's hash, taken
   * in sorted order so two transactions never deadlock on them; on SQLite, whose one writer holds the
   * whole file from `BEGIN IMMEDIATE`, nothing more is needed.
   */
  lockKeys(tx: Transaction<Database>, keys: readonly string[]): Promise<void>;

  /**
   * Rows of a compiled select as positional tuples, in select order: SQLite runs it as a raw-mode prepared
   * statement on the connection (no row objects), PostgreSQL through Kysely.
   */
  selectTuples<T extends unknown[]>(db: Kysely<Database>, query: Compilable): Promise<T[]>;

  /**
   * Runs `work` with one connection held, so a change-version read and the rows read after it see the same
   * committed state (SQLite: under Kysely's connection lock); PostgreSQL runs it on the pool as it is.
   */
  pinned<T>(db: Kysely<Database>, work: (db: Kysely<Database>) => Promise<T>): Promise<T>;

  /** The schema the migration tables live in (PostgreSQL: the search path's first), or undefined. */
  migrationSchema(db: Kysely<Database>): Promise<string | undefined>;

  /** `/health`'s checks for this database, given whether the store answered. */
  healthChecks(ok: boolean): StoreHealthChecks;

  /**
   * Gives the file's free pages back (SQLite files made since auto-vacuum was turned on: `pragma
   * incremental_vacuum`), and says how many it gave; 0 on PostgreSQL, whose autovacuum does its own.
   * Called when the segment store is idle and when the server stops: sealed batches and replaced state
   * rows leave their pages free, which the next writes reuse while logs flow, and which otherwise stay
   * in the file after they stop.
   */
  releaseFreePages(db: Kysely<Database>): Promise<number>;

  /**
   * On a SQLite file, the shared words through which another thread's connection to the same file takes
   * turns at the write lock with this one (`sqlite-write-turns.ts`; pass them as
   * `StoreOptions.sqliteWriteTurns`). Undefined on PostgreSQL, whose writers do not share one lock, and
   * on a connection that takes turns itself.
   */
  readonly writeTurns: SharedArrayBuffer | undefined;
}
