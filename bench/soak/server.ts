import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
export const SOAK_TOKEN = "soak-admin-token";

export interface SoakServer {
  url: string;
  pid: number;
  dataDir: string;
  /** The server's stderr, kept in a file rather than in this process's memory (an hour of it is big). */
  logFile: string;
  /** Lines the server logged at error level or worse (pino level ≥ 50). */
  errorLines(): number;
  lastErrors(): string[];
  /** SQLite file plus its WAL and shared-memory files. */
  databaseBytes(): number;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves with the exit code (null if killed). */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL unless it already exited: the soak never leaves a server behind when it fails itself. */
  kill(): void;
}

/**
 * Starts `logwarden serve` from source (`node --import tsx`; under vitest, the JavaScript its global setup
 * transpiled from the same sources, LOGWARDEN_SERVE_ENTRY) on an empty data directory and resolves once it
 * logs "Server listening on port N".
 */
export function startSoakServer(dataDir: string, timeoutMs = 90_000): Promise<SoakServer> {
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dataDir, "serve.log");
  const log = createWriteStream(logFile);
  const built = process.env.LOGWARDEN_SERVE_ENTRY;
  const entry = built ? [built] : ["--import", "tsx", "src/cli/index.ts"];
  const child: ChildProcess = spawn(process.execPath, [...entry, "serve"], {
    cwd: REPO,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      STORAGE_PATH: join(dataDir, "hasura"),
      MODEL_DIR: join(dataDir, "models"),
      API_TOKEN: SOAK_TOKEN,
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let running = true;
  const exited = new Promise<number | null>((done) =>
    child.on("exit", (code) => {
      running = false;
      done(code);
    }),
  );
  let errors = 0;
  const recentErrors: string[] = [];
  let head = "";
  let partial = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start within ${timeoutMs} ms:\n${head}`));
    }, timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${head}`));
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      log.write(chunk);
      const text = partial + chunk.toString();
      const lines = text.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        const level = /"level":(\d+)/.exec(line);
        if (level && Number(level[1]) >= 50) {
          errors++;
          recentErrors.push(line.slice(0, 500));
          if (recentErrors.length > 5) recentErrors.shift();
        }
      }
      if (head.length < 20_000) head += chunk.toString();
      const m = /Server listening on port (\d+)/.exec(head);
      if (m && child.pid !== undefined) {
        clearTimeout(timer);
        head = head.slice(0, 20_000);
        resolve({
          url: `http://127.0.0.1:${m[1]}`,
          pid: child.pid,
          dataDir,
          logFile,
          errorLines: () => errors,
          lastErrors: () => [...recentErrors],
          databaseBytes: () =>
            ["logwarden.db", "logwarden.db-wal", "logwarden.db-shm"].reduce(
              (sum, name) => sum + fileBytes(join(dataDir, name)),
              0,
            ),
          stop: async (graceMs = 120_000) => {
            child.kill("SIGTERM");
            const killer = setTimeout(() => child.kill("SIGKILL"), graceMs);
            const code = await exited;
            clearTimeout(killer);
            log.end();
            return code;
          },
          kill: () => {
            if (running) child.kill("SIGKILL");
          },
        });
      }
    });
  });
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
