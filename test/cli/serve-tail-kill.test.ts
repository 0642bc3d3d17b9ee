import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { keptStatement, openKeptDatabase } from "../../src/store/dialect/statement-cache.js";
import { serveEntry } from "../helpers/cli.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const TOTAL = 3000;
const children: ChildProcess[] = [];
let stderr = "";

/**
 * `logwarden serve` from the JavaScript this test run transpiled (`serveEntry`; through tsx each of the four
 * starts compiled every module again), in its own process group, so SIGKILL reaches any child it has too.
 */
function serve(dir: string, storeEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...serveEntry(), "serve", "--config", join(dir, "logwarden.yaml")], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
    env: {
      ...process.env,
      DATA_DIR: join(dir, "data"),
      ...storeEnv,
      PORT: "0",
      API_TOKEN: "kill-test",
      LOG_LEVEL: "warn",
    },
  });
  // Drained so the child never blocks on a full pipe; shown when a run fails.
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  children.push(child);
  return child;
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    // SIGKILL goes to the whole group (serve and any child: tsx's node child when run through tsx); SIGTERM
    // to the process started (tsx relays it).
    process.kill(signal === "SIGKILL" ? -child.pid! : child.pid!, signal);
  });
}

/** What the test reads from the store `serve` writes (never through `serve`). */
interface StoreReader {
  env: Record<string, string>;
  /** Stored messages, in any order. */
  lines(): Promise<string[]>;
  /** Offset of the file source's checkpoint (`state`, `source:file:…`), or -1 before it saved one. */
  checkpointOffset(): Promise<number>;
  /** The file source's committed submission watermark (`source_submissions`), 0 before any. */
  submissions(): Promise<number>;
  cleanup(): Promise<void>;
}

function offsetOf(values: string[]): number {
  if (values.length !== 1) return -1;
  const offset = (JSON.parse(values[0]!) as { offset?: unknown }).offset;
  return typeof offset === "number" ? offset : -1;
}

function sqliteReader(dir: string): StoreReader {
  const dbPath = join(dir, "data", "logwarden.db");
  const query = <T>(text: string, table: string): T[] => {
    if (!existsSync(dbPath)) return [];
    // Kept (see openKeptDatabase): this test also runs on Node 24.
    const db = openKeptDatabase(dbPath, { readonly: true, fileMustExist: true, timeout: 5000 });
    try {
      if (!keptStatement(db, "select 1 from sqlite_master where name = ?").get(table)) return [];
      return keptStatement(db, text).all() as T[];
    } finally {
      db.close();
    }
  };
  return {
    // The `logs` table's rows are read directly (segments' exactly-once across kills:
    // test/reliability/crash-durability.segments.test.ts).
    env: { LOG_STORE: "table" },
    lines: async () => query<{ message: string }>("select message from logs", "logs").map((r) => r.message),
    checkpointOffset: async () =>
      offsetOf(
        query<{ value: string }>("select value from state where key like 'source:file:%'", "state").map(
          (r) => r.value,
        ),
      ),
    submissions: async () =>
      query<{ seq: number }>("select seq from source_submissions", "source_submissions")[0]?.seq ?? 0,
    cleanup: async () => {},
  };
}

async function postgresReader(): Promise<StoreReader> {
  const schema = `tailkill_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const url = (await createTestSchema(schema)).toString();
  // One connection for every poll: a connection per query (every 20 ms while serve starts) cost a
  // SCRAM handshake and a server backend each time.
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const query = async <T extends pg.QueryResultRow>(text: string): Promise<T[]> => {
    const exists = await pool.query("select to_regclass('logs') is not null as ok");
    if (!exists.rows[0]?.ok) return [];
    return (await pool.query<T>(text)).rows;
  };
  return {
    env: { DATABASE_URL: url, LOG_STORE: "table" },
    lines: async () => (await query<{ message: string }>("select message from logs")).map((r) => r.message),
    checkpointOffset: async () =>
      offsetOf(
        (await query<{ value: string }>("select value from state where key like 'source:file:%'")).map(
          (r) => r.value,
        ),
      ),
    submissions: async () =>
      Number((await query<{ seq: number }>("select seq from source_submissions"))[0]?.seq ?? 0),
    async cleanup() {
      await pool.end();
      await dropTestSchemas(schema);
    },
  };
}

const STORES = [
  { name: "sqlite", reader: async (dir: string) => sqliteReader(dir), needsPostgres: false },
  { name: "postgres", reader: async (_dir: string) => postgresReader(), needsPostgres: true },
] as const;

afterAll(async () => {
  for (const c of children) await kill(c, "SIGKILL").catch(() => {});
});

describe.each(STORES)("serve tailing a file on $name, killed mid-way", ({ reader, needsPostgres }) => {
  it("stores every line exactly once across a SIGKILL and a restart", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    const dir = mkdtempSync(join(tmpdir(), "lw-kill-"));
    const log = join(dir, "app.log");
    const store = await reader(dir);
    writeFileSync(log, "");
    writeFileSync(
      join(dir, "logwarden.yaml"),
      `sources:\n  - type: file\n    paths: [${JSON.stringify(log)}]\n    pollMs: 30\n    chunkBytes: 2048\n`,
    );
    let written = 0;
    const append = (n: number) => {
      let text = "";
      for (let i = 0; i < n; i++) text += `seq=${String(++written).padStart(5, "0")} worker finished a job\n`;
      if (text) appendFileSync(log, text);
    };
    append(100);
    let writer: NodeJS.Timeout | undefined;
    const startWriter = () =>
      setInterval(() => {
        append(Math.min(10, TOTAL - written));
        if (written >= TOTAL) clearInterval(writer);
      }, 10);
    try {
      const first = serve(dir, store.env);
      // The writer starts once serve is tailing, so the kill lands mid-stream however slow the start.
      await waitFor(
        async () => (await store.lines()).length >= 100,
        "the first run to start tailing",
        30_000,
        20,
      );
      writer = startWriter();
      await waitFor(
        async () => (await store.lines()).length >= 300,
        "the first run to store 300 lines",
        30_000,
        20,
      );
      expect(written).toBeLessThan(TOTAL);
      await kill(first, "SIGKILL");
      expect(first.signalCode).toBe("SIGKILL");
      const killedAt = (await store.lines()).length;
      const committedAtKill = await store.submissions();
      expect(committedAtKill).toBeGreaterThan(0);

      const second = serve(dir, store.env);
      const final = await waitFor(
        async () => {
          const got = await store.lines();
          return written >= TOTAL && got.length >= TOTAL ? got : null;
        },
        `all ${TOTAL} lines`,
        60_000,
        100,
      );
      // The tailer's own position: once its checkpoint is at the end of the file, everything it read is
      // committed and there is nothing left to read, so a line read twice would already be stored.
      await waitFor(
        async () => (await store.checkpointOffset()) === statSync(log).size,
        "the checkpoint at the end of the file",
        30_000,
        50,
      );
      const after = await store.lines();
      // The restarted source numbered on from the watermark the kill left: it only grew.
      expect(await store.submissions()).toBeGreaterThan(committedAtKill);
      await kill(second, "SIGTERM");
      expect(second.exitCode).toBe(0);
      // A clean stop drains what was read: still the same lines.
      expect(await store.lines()).toHaveLength(after.length);

      expect(killedAt).toBeLessThan(TOTAL);
      expect(after.length).toBe(final.length);
      const seqs = after.map((m) => Number(/^seq=(\d+) /.exec(m)?.[1]));
      expect(new Set(seqs).size).toBe(TOTAL);
      expect(seqs.length).toBe(TOTAL);
      expect(Math.min(...seqs)).toBe(1);
      expect(Math.max(...seqs)).toBe(TOTAL);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nserve stderr:\n${stderr.slice(-4000)}`);
    } finally {
      clearInterval(writer);
      rmSync(dir, { recursive: true, force: true });
      await store.cleanup();
    }
  }, 120_000);
});
