import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { openStore, type Store } from "../../src/store/db.js";
import { noteSkip } from "./skips.js";

/**
 * The PostgreSQL used by tests: `TEST_DATABASE_URL`, else the URL `.ci/run` sets up.
 * Tests that need it skip, with a message, when nothing answers there.
 */
export const TEST_PG_URL =
  process.env.TEST_DATABASE_URL ?? "postgres://logwarden:logwarden@127.0.0.1:5432/logwarden_test";

/** The one connection attempt of this worker: nothing when it answered, else why not. */
let pgProbe: Promise<Error | undefined> | undefined;

/**
 * Whether PostgreSQL answers at TEST_PG_URL. When it does not, the asking test file prints a `[skip]` line
 * (once), except in CI, where it must answer: there this throws.
 */
export async function postgresAvailable(): Promise<boolean> {
  pgProbe ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("select 1");
      return undefined;
    } catch (error) {
      return error as Error;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  const error = await pgProbe;
  if (!error) return true;
  if (process.env.CI)
    throw new Error(`PostgreSQL is required in CI but ${TEST_PG_URL} failed: ${String(error)}`);
  noteSkip("PostgreSQL tests", `nothing answers at ${TEST_PG_URL} (${error.message})`);
  return false;
}

export interface TestStore {
  store: Store;
  /** What `openStore` opened: the SQLite path or the PostgreSQL URL (with its schema). */
  url: string;
  cleanup(): Promise<void>;
}

/** A fresh, migrated SQLite file in a temp dir (`readThreads`: `Store.reader` on threads of its own). */
export async function sqliteTestStore(readThreads = 0): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-test-"));
  const url = join(dir, "test.db");
  const store = openStore({ url, sqliteReadThreads: readThreads });
  await store.migrate();
  return {
    store,
    url,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates `schema` on TEST_DATABASE_URL and returns a connection URL whose search path is that schema. */
export async function createTestSchema(schema: string): Promise<URL> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_PG_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return url;
}

/** Drops test schemas (and all they hold) on TEST_DATABASE_URL; a schema that is not there is no error. */
export async function dropTestSchemas(...schemas: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await admin.end();
  }
}

/** A fresh, migrated PostgreSQL schema of its own, dropped at cleanup. */
export async function postgresTestStore(): Promise<TestStore> {
  const schema = `t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = await createTestSchema(schema);
  const store = openStore({ url: url.toString() });
  await store.migrate();
  return {
    store,
    url: url.toString(),
    async cleanup() {
      await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
    },
  };
}

/** Both dialects, for `describe.each`: PostgreSQL is marked so the suite can skip it when absent. */
export const DIALECTS = [
  { name: "sqlite", open: sqliteTestStore, needsPostgres: false },
  { name: "postgres", open: postgresTestStore, needsPostgres: true },
] as const;
