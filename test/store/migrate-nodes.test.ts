import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/db.js";
import { openKeptDatabase } from "../../src/store/dialect/statement-cache.js";
import { migrationProvider } from "../../src/store/migrations/index.js";
import { type CliResult, REPO, serveEntry } from "../helpers/cli.js";
import {
  createTestSchema,
  postgresAvailable,
  postgresTestStore,
  sqliteTestStore,
  TEST_PG_URL,
} from "../helpers/stores.js";

/**
 * Issue 16 item 5: N nodes starting at once on an empty database migrate it exactly once, and a node
 * older than the schema refuses to start. Nodes are real processes (`logwarden db migrate`, `serve`).
 *
 * To make the race certain rather than a matter of start-up jitter, the test holds the lock the nodes
 * contend for while they start, and lets go once all of them are waiting on it: on PostgreSQL Kysely's
 * migration advisory lock, on SQLite the file's write lock (`BEGIN IMMEDIATE`).
 */

const NODES = 4;
/** Kysely 0.28's `PostgresAdapter` LOCK_ID: the advisory lock its Migrator takes (one per database). */
const KYSELY_PG_MIGRATION_LOCK = "3853314791062309107";
const NEWER = "999-from-a-newer-logwarden";
const KNOWN = Object.keys(await migrationProvider("sqlite").getMigrations()).sort();

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "logwarden-nodes-"));
  dirs.push(dir);
  return dir;
}

interface Node {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Set at exit: a node that fails before reaching the lock ends the wait (its stderr is then reported). */
  exited: boolean;
}

/** Starts the CLI as a process of its own; killed if it runs past `timeoutMs`. */
function startNode(args: string[], env: Record<string, string>, timeoutMs = 90_000): Node {
  const child = spawn(process.execPath, [...serveEntry(), ...args], {
    cwd: REPO,
    env: { ...process.env, LOG_LEVEL: "warn", PORT: "0", HEALTH_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  let exited = false;
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      exited = true;
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    get exited() {
      return exited;
    },
  };
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** True when process `pid` has `file` open (Linux /proc; a node that opened the file is migrating). */
function hasOpen(pid: number, file: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Every node succeeded, exactly one applied every migration, the others found nothing to do. */
function expectMigratedOnce(results: CliResult[]): void {
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  const appliers = results.filter((r) => r.stdout.startsWith("applied:"));
  expect(appliers, results.map((r) => r.stdout).join("")).toHaveLength(1);
  expect(appliers[0]?.stdout).toContain(`applied: ${KNOWN.join(", ")} (`);
  expect(results.filter((r) => r.stdout.startsWith("up to date"))).toHaveLength(NODES - 1);
}

async function recordedMigrations(store: Store): Promise<{ name: string; n: number }[]> {
  const { rows } = await sql<{ name: string; n: number }>`
    select name, count(*) as n from schema_migrations group by name order by name`.execute(store.db);
  return rows.map((r) => ({ name: r.name, n: Number(r.n) }));
}

/** Refused: non-zero exit, the message on stderr, no stack trace. */
function expectRefused(r: CliResult): void {
  expect(r.code, r.stderr).not.toBe(0);
  expect(r.stderr).toMatch(
    new RegExp(
      `the database was migrated by a newer Logwarden \\(migration ${NEWER} unknown to this version \\d+\\.\\d+\\.\\d+[^)]*\\); upgrade this node or restore a backup`,
    ),
  );
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe("migrations: several nodes at once on SQLite (one file, several processes)", () => {
  it(`${NODES} processes started together on a fresh file: all succeed, each migration applied once`, async () => {
    const path = join(tempDir(), "nodes.db");
    // The gate: an empty WAL file whose write lock the test holds while the nodes start.
    const gate = openKeptDatabase(path);
    gate.exec("pragma journal_mode = WAL");
    gate.exec("begin immediate");
    const nodes = Array.from({ length: NODES }, () =>
      startNode(["db", "migrate"], { SQLITE_DB_PATH: path, DATA_DIR: tempDir() }),
    );
    try {
      await until(
        "every node has the file open",
        () =>
          nodes.some((n) => n.exited) ||
          nodes.every((n) => n.child.pid !== undefined && hasOpen(n.child.pid, path)),
      );
      // Past opening, a node's next step is the migration's BEGIN IMMEDIATE: let them all reach it.
      await new Promise((r) => setTimeout(r, 1_000));
    } finally {
      gate.exec("rollback");
      gate.close();
    }
    expectMigratedOnce(await Promise.all(nodes.map((n) => n.done)));

    const store = openStore({ url: path });
    const reference = await sqliteTestStore();
    try {
      expect(await recordedMigrations(store)).toEqual(KNOWN.map((name) => ({ name, n: 1 })));
      const objects = (s: Store) =>
        sql<{ type: string; name: string }>`
          select type, name from sqlite_master where name not like 'sqlite_%' order by type, name`
          .execute(s.db)
          .then((r) => r.rows);
      expect(await objects(store)).toEqual(await objects(reference.store));
    } finally {
      await store.close();
      await reference.cleanup();
    }
  }, 120_000);

  it("a node older than the file's schema refuses to migrate or serve, with a clear message", async () => {
    const { store, cleanup } = await sqliteTestStore();
    const path = store.location;
    await sql`insert into schema_migrations (name, timestamp) values (${NEWER}, ${new Date().toISOString()})`.execute(
      store.db,
    );
    await store.close();
    const env = { SQLITE_DB_PATH: path, DATA_DIR: tempDir() };
    expectRefused(await startNode(["db", "migrate"], env).done);
    expectRefused(await startNode(["serve"], env).done);
    // Nothing was changed: still every known migration and the newer one, once each.
    const again = openStore({ url: path });
    try {
      expect(await recordedMigrations(again)).toEqual(
        [...KNOWN, NEWER].sort().map((name) => ({ name, n: 1 })),
      );
    } finally {
      await again.close();
      await cleanup();
    }
  }, 120_000);
});

describe.skipIf(!(await postgresAvailable()))("migrations: several nodes at once on PostgreSQL", () => {
  it(`${NODES} processes started together on a fresh schema: all succeed, each migration applied once`, async () => {
    const schema = `t_nodes_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const url = await createTestSchema(schema);
    // Names this test's nodes, so only their waits are counted (other tests may migrate meanwhile).
    url.searchParams.set("application_name", schema);
    const gate = new pg.Client({ connectionString: TEST_PG_URL });
    await gate.connect();
    const reference = await postgresTestStore();
    const store = openStore({ url: url.toString() });
    try {
      await gate.query(`select pg_advisory_lock(${KYSELY_PG_MIGRATION_LOCK})`);
      const nodes = Array.from({ length: NODES }, () =>
        startNode(["db", "migrate"], { DATABASE_URL: url.toString(), DATA_DIR: tempDir() }),
      );
      try {
        await until(`${NODES} nodes wait on the migration lock`, async () => {
          if (nodes.some((n) => n.exited)) return true;
          const { rows } = await gate.query<{ n: string }>(
            `select count(*) as n from pg_stat_activity
              where application_name = $1 and wait_event_type = 'Lock' and wait_event = 'advisory'`,
            [schema],
          );
          return Number(rows[0]?.n) === NODES;
        });
      } finally {
        await gate.query(`select pg_advisory_unlock(${KYSELY_PG_MIGRATION_LOCK})`);
      }
      expectMigratedOnce(await Promise.all(nodes.map((n) => n.done)));

      expect(await recordedMigrations(store)).toEqual(KNOWN.map((name) => ({ name, n: 1 })));
      // Complete: the same tables, columns and indexes as a schema migrated by one process.
      const shape = async (s: Store) => {
        const columns = await sql<{ t: string; c: string; type: string }>`
          select table_name as t, column_name as c, data_type as type from information_schema.columns
           where table_schema = current_schema() order by 1, 2`.execute(s.db);
        const indexes = await sql<{ t: string; i: string }>`
          select tablename as t, indexname as i from pg_indexes where schemaname = current_schema()
           order by 1, 2`.execute(s.db);
        return { columns: columns.rows, indexes: indexes.rows };
      };
      const migrated = await shape(store);
      expect(migrated.columns.length).toBeGreaterThan(0);
      expect(migrated).toEqual(await shape(reference.store));
    } finally {
      await gate.end();
      await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
      await store.close();
      await reference.cleanup();
    }
  }, 120_000);

  it("a node older than the schema refuses to migrate, with a clear message", async () => {
    const { store, cleanup } = await postgresTestStore();
    try {
      await sql`insert into schema_migrations (name, timestamp) values (${NEWER}, ${new Date().toISOString()})`.execute(
        store.db,
      );
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(store.db);
      const url = new URL(TEST_PG_URL);
      url.searchParams.set("options", `-c search_path=${rows[0]?.schema}`);
      expectRefused(
        await startNode(["db", "migrate"], { DATABASE_URL: url.toString(), DATA_DIR: tempDir() }).done,
      );
    } finally {
      await cleanup();
    }
  }, 120_000);
});
