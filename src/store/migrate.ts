import { readFileSync } from "node:fs";
import { type Kysely, Migrator, sql } from "kysely";
import type { StoreDialect } from "./dialect/dialect.js";
import { scopedToSchema } from "./migration-introspection.js";
import { migrationProvider } from "./migrations/index.js";
import type { Database } from "./schema.js";

/** Where Kysely records applied migrations (and, on PostgreSQL before 0.28, its lock row). */
const MIGRATION_TABLE = "schema_migrations";
const MIGRATION_LOCK_TABLE = "schema_migrations_lock";

/**
 * How long a node waits for another node's migration on SQLite before giving up: a migration over a large
 * file (an index or a backfill) can take minutes. PostgreSQL's wait is Kysely's (its advisory lock).
 */
const SQLITE_LOCK_WAIT_MS = 60 * 60 * 1000;

/** This build's version, for the refusal below (read like the CLI does: same path from src/ and dist/). */
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }
).version;

/**
 * Applies pending migrations exactly once however many nodes start at the same time on one database, and
 * returns the names this call applied.
 *
 * - PostgreSQL: Kysely 0.28's Migrator already serializes migrators with a session advisory lock
 *   (`PostgresAdapter.acquireMigrationLock`, one key per database) and runs the pending migrations in one
 *   transaction after taking it, so a node that waited finds nothing left to do. Its steps before the lock
 *   (creating `schema_migrations`) tolerate a concurrent create. It sees only our schema's catalog
 *   (`scopedToSchema`): its own introspection fails when another schema is dropped meanwhile.
 * - SQLite: Kysely takes no lock (its adapter assumes one connection, i.e. one process) and no transaction,
 *   so two processes on one file would both run 001 and one would fail half-way. The whole run, from
 *   creating `schema_migrations` on, happens in one `BEGIN IMMEDIATE` transaction: SQLite's write lock is
 *   the migration lock, and a failed migration rolls back whole.
 *
 * A database migrated by a newer Logwarden (a recorded migration this build does not know) is refused
 * with `NewerSchemaError` instead of Kysely's "corrupted migrations" error.
 */
export async function migrateStore(db: Kysely<Database>, dialect: StoreDialect): Promise<string[]> {
  const schema = await dialect.migrationSchema(db);
  const run = async (on: Kysely<Database>) => {
    const migrator = new Migrator({
      db: schema === undefined ? on : scopedToSchema(on, schema),
      provider: migrationProvider(dialect.name),
      migrationTableName: MIGRATION_TABLE,
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      ...(schema === undefined ? {} : { migrationTableSchema: schema }),
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
  };
  try {
    if (dialect.name !== "sqlite") return await run(db);
    return await dialect.pinned(db, (conn) => inSqliteWriteLock(conn, run));
  } catch (error) {
    const unknown = await unknownMigrations(db, schema).catch(() => []);
    if (unknown.length > 0) throw new NewerSchemaError(unknown);
    throw error;
  }
}

/** A node older than the schema it was pointed at: it must not run, nor "repair" the schema. */
export class NewerSchemaError extends Error {
  constructor(readonly unknownMigrations: string[]) {
    super(
      `the database was migrated by a newer Logwarden (migration ${unknownMigrations.join(", ")} unknown to ` +
        `this version ${VERSION}); upgrade this node or restore a backup taken before that upgrade`,
    );
    this.name = "NewerSchemaError";
  }
}

/**
 * Runs `work` on the one SQLite connection inside `BEGIN IMMEDIATE`, committed when it resolves and rolled
 * back when it throws. `conn` is pinned (Kysely's connection lock is held), so nothing else of this process
 * interleaves. Another process holding the write lock (migrating) makes `BEGIN IMMEDIATE` wait the busy
 * timeout and fail with SQLITE_BUSY; it is retried until SQLITE_LOCK_WAIT_MS.
 */
async function inSqliteWriteLock<T>(conn: Kysely<Database>, work: (conn: Kysely<Database>) => Promise<T>) {
  const deadline = Date.now() + SQLITE_LOCK_WAIT_MS;
  for (;;) {
    try {
      await sql`begin immediate`.execute(conn);
      break;
    } catch (error) {
      // SQLITE_BUSY or an extended code of it (SQLITE_BUSY_RECOVERY: another process recovering the WAL).
      const code = String((error as { code?: unknown }).code);
      if (!code.startsWith("SQLITE_BUSY") || Date.now() > deadline) throw error;
    }
  }
  let result: T;
  try {
    result = await work(conn);
  } catch (error) {
    // Kept quiet: SQLite may have rolled back already (some errors end the transaction), and the error
    // worth reporting is the migration's.
    await sql`rollback`.execute(conn).catch(() => {});
    throw error;
  }
  await sql`commit`.execute(conn);
  return result;
}

/** Recorded migrations this build does not have, in order ([] when none, or no table yet). */
async function unknownMigrations(db: Kysely<Database>, schema: string | undefined): Promise<string[]> {
  const table = schema === undefined ? MIGRATION_TABLE : `${schema}.${MIGRATION_TABLE}`;
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(table)} order by name`.execute(
    db,
  );
  const known = new Set(Object.keys(await migrationProvider("sqlite").getMigrations()));
  return rows.map((r) => r.name).filter((name) => !known.has(name));
}
