import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.js";

const ROOT = new URL("../..", import.meta.url).pathname;
const TOTAL = 3000;
const children: ChildProcess[] = [];
let stderr = "";

/** `tsx src/cli/index.ts serve` in its own process group, so SIGKILL reaches tsx's node child too. */
function serve(dir: string): ChildProcess {
  const child = spawn(
    join(ROOT, "node_modules/.bin/tsx"),
    ["src/cli/index.ts", "serve", "--config", join(dir, "logwarden.yaml")],
    {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: {
        ...process.env,
        DATA_DIR: join(dir, "data"),
        PORT: "0",
        API_TOKEN: "kill-test",
        LOG_LEVEL: "warn",
      },
    },
  );
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
    // SIGKILL goes to the whole group (tsx and its node child); SIGTERM to tsx, which relays it.
    process.kill(signal === "SIGKILL" ? -child.pid! : child.pid!, signal);
  });
}

function storedLines(dbPath: string): string[] {
  if (!existsSync(dbPath)) return [];
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const hasLogs = db.prepare("select 1 from sqlite_master where name = 'logs'").get();
    if (!hasLogs) return [];
    return (db.prepare("select message from logs").all() as { message: string }[]).map((r) => r.message);
  } finally {
    db.close();
  }
}

/** Offset of the file source's checkpoint (`state`, `source:file:…`), or -1 before it saved one. */
function checkpointOffset(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    const rows = db.prepare("select value from state where key like 'source:file:%'").all() as {
      value: string;
    }[];
    if (rows.length !== 1) return -1;
    const offset = (JSON.parse(rows[0]!.value) as { offset?: unknown }).offset;
    return typeof offset === "number" ? offset : -1;
  } finally {
    db.close();
  }
}

afterAll(async () => {
  for (const c of children) await kill(c, "SIGKILL").catch(() => {});
});

describe("serve tailing a file, killed mid-way", () => {
  it("stores every line exactly once across a SIGKILL and a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-kill-"));
    const log = join(dir, "app.log");
    const dbPath = join(dir, "data", "logwarden.db");
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
      const first = serve(dir);
      // The writer starts once serve is tailing, so the kill lands mid-stream however slow the start.
      await waitFor(() => storedLines(dbPath).length >= 100, "the first run to start tailing", 30_000, 20);
      writer = startWriter();
      await waitFor(() => storedLines(dbPath).length >= 300, "the first run to store 300 lines", 30_000, 20);
      expect(written).toBeLessThan(TOTAL);
      await kill(first, "SIGKILL");
      expect(first.signalCode).toBe("SIGKILL");
      const killedAt = storedLines(dbPath).length;

      const second = serve(dir);
      const final = await waitFor(
        () => {
          const got = storedLines(dbPath);
          return written >= TOTAL && got.length >= TOTAL ? got : null;
        },
        `all ${TOTAL} lines`,
        60_000,
        100,
      );
      // The tailer's own position: once its checkpoint is at the end of the file, everything it read is
      // committed and there is nothing left to read, so a line read twice would already be stored.
      await waitFor(
        () => checkpointOffset(dbPath) === statSync(log).size,
        "the checkpoint at the end of the file",
        30_000,
        50,
      );
      const after = storedLines(dbPath);
      await kill(second, "SIGTERM");
      expect(second.exitCode).toBe(0);
      // A clean stop drains what was read: still the same lines.
      expect(storedLines(dbPath)).toHaveLength(after.length);

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
    }
  }, 120_000);
});
