import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { datasetNames } from "../parse-golden-corpus.js";
import { nonRepeatingRawLines } from "./non-repeating-lines.js";

/** The checkout's root, where `serve` is started from. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Lines per NDJSON request body. */
export const INGEST_LINES_PER_REQUEST = 5_000;
// Linux reports process CPU time in clock ticks of 1/100 s (`getconf CLK_TCK`).
const CLOCK_TICKS_PER_SEC = 100;

/**
 * NDJSON bodies of real LogHub lines in system 004's shape, one service per dataset, as a live stream
 * sends them: record times advance 10 ms a line across all bodies, so a run never sends a time twice
 * until it has sent every body. Replaying a few bodies with the same times again and again would make
 * every index on time take its inserts out of order, which no live source does.
 */
export function ingestBodies(
  count: number,
  options: { corpus?: IngestCorpus; linesPerBody?: number } = {},
): string[] {
  const linesPerBody = options.linesPerBody ?? INGEST_LINES_PER_REQUEST;
  const lines = options.corpus === "fresh" ? freshCorpus(count * linesPerBody) : loghubLines();
  const bodies: string[] = [];
  const t = Date.parse("2026-01-01T00:00:00Z");
  for (let b = 0; b < count; b++) {
    const out: string[] = [];
    for (let i = 0; i < linesPerBody; i++) {
      const l = lines[(b * linesPerBody + i) % lines.length]!;
      const level = /error|fail|exception/i.test(l.message)
        ? "ERROR"
        : /warn/i.test(l.message)
          ? "WARN"
          : "INFO";
      out.push(
        JSON.stringify({
          timestamp: new Date(t + 10 * (b * linesPerBody + i)).toISOString(),
          service: l.service,
          level,
          message: l.message,
          metadata: { n: i },
        }),
      );
    }
    bodies.push(`${out.join("\n")}\n`);
  }
  return bodies;
}

/**
 * `loghub`: the raw LogHub-2k lines, repeated as they are (the corpus the targets were first set on).
 * `fresh`: the same families with every digit run of every line drawn afresh (`nonRepeatingRawLines`),
 * so ids, numbers, addresses and durations do not come back with any period, as in real
 * traffic: what issue 50 measures the default store on.
 */
export type IngestCorpus = "loghub" | "fresh";

function loghubLines(): { service: string; message: string }[] {
  const dir = join(ROOT, "../shared/datasets/loghub-2k");
  const lines: { service: string; message: string }[] = [];
  for (const name of readdirSync(dir)) {
    if (name.includes(".") || name === "LICENSE") continue;
    const file = join(dir, name, `${name}_2k.log`);
    for (const message of readFileSync(file, "utf8").split("\n"))
      if (message) lines.push({ service: name, message });
  }
  return lines;
}

function freshCorpus(lines: number): { service: string; message: string }[] {
  const out: { service: string; message: string }[] = [];
  for (const { dataset, line } of nonRepeatingRawLines(datasetNames(), lines)) {
    if (line) out.push({ service: dataset, message: line });
    if (out.length >= lines) break;
  }
  return out;
}

export interface ServerOptions {
  dataDir: string;
  /** Extra environment (LOG_STORE, …). */
  env?: Record<string, string>;
  /** Writes a --cpu-prof of the server into this folder. */
  profileDir?: string | undefined;
  /** The Node binary that runs the server (`nodeBinary`); this process's own by default. */
  nodeBin?: string | undefined;
  /** The checkout whose built server runs (`bench/serve-ab.ts`: another commit's); this one by default. */
  root?: string | undefined;
}

/**
 * A Node major's binary from the npm registry's `node` package, with better-sqlite3 compiled for it, as
 * CI's extra legs prepare it (`.ci/node-prep.sh`, which returns at once when that major is ready). Its
 * SQLite is compiled at -O1 (see the script), so a server on it, if anything, writes more slowly.
 */
export function nodeBinary(major: string): string {
  execFileSync("bash", [".ci/node-prep.sh", major], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const home = process.env.NODE_LEG_HOME ?? join(process.env.TMPDIR ?? tmpdir(), "logwarden-node-legs");
  return join(home, `node-${major}`, "node_modules/node/bin/node");
}

let built = false;

/**
 * Builds the server as `npm start` does (`scripts/build-if-stale.mjs`: only what changed since the last
 * build), once per bench process.
 */
function buildOnce(): void {
  if (built) return;
  execFileSync(process.execPath, ["scripts/build-if-stale.mjs"], { cwd: ROOT, stdio: "inherit" });
  built = true;
}

/**
 * `logwarden serve` as `npm start` runs it (the built `dist/cli/index.js`, with the V8 flag `npm start`
 * gives it) on a free port, rate limits off; resolves once it listens. Not under tsx: the same server ran
 * under tsx at 0.93× the lines/s of the built one (6 alternated pairs of 15 s under bench:ingest's load,
 * every pair slower), so the benches measured a development mode no user runs.
 */
export function startServer(options: ServerOptions): Promise<{ child: ChildProcess; url: string }> {
  if (!options.root) buildOnce();
  const args = [
    ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${options.profileDir}`] : []),
    "dist/cli/index.js",
    "serve",
  ];
  const child = spawn(options.nodeBin ?? process.execPath, args, {
    cwd: options.root ?? ROOT,
    env: {
      ...process.env,
      DATA_DIR: options.dataDir,
      PORT: "0",
      LOG_LEVEL: "info",
      API_TOKEN: "bench-admin",
      // The bench measures the server, not its budgets.
      RATE_LIMIT_PER_TOKEN: "off",
      RATE_LIMIT_PER_IP: "off",
      MODEL_DIR: join(options.dataDir, "models"),
      // The V8 flag `npm start` and the image give `serve` (docs/deployment.md), through NODE_OPTIONS: on
      // the command line it kept the worker threads from writing their --cpu-prof profiles.
      NODE_OPTIONS: [process.env.NODE_OPTIONS, "--max-semi-space-size=32"].filter(Boolean).join(" "),
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let err = "";
    let listening = false;
    child.stderr!.on("data", (d: Buffer) => {
      // Searched only until found: scanning the whole log again on every chunk (one line per request)
      // grew quadratic, took this process's CPU from the server on the same cores and held its stderr
      // pipe full, which cut bench:api's list figures by up to 5x.
      if (listening) return;
      err += d.toString();
      // Fastify's own line names the bound port; older builds said "on port 0" for PORT=0 in theirs.
      const m = /Server listening (?:at http:\/\/[^\s"]+:|on port )([1-9]\d*)/.exec(err);
      if (m) {
        listening = true;
        resolve({ child, url: `http://127.0.0.1:${m[1]}` });
      }
    });
    // BENCH_SERVER_LOGS=<dir>: every server's log lines kept there (one file per process), to see what a
    // run's servers said; otherwise they are read and dropped.
    const logDir = process.env.BENCH_SERVER_LOGS;
    if (logDir) {
      const file = createWriteStream(join(logDir, `serve-${child.pid}.log`));
      child.stdout!.pipe(file);
      child.stderr!.on("data", (d: Buffer) => file.write(d));
    } else child.stdout!.resume();
    child.on("exit", (code) => reject(new Error(`serve exited ${code}:\n${err}`)));
  });
}

/**
 * Runs `work` against a server on a fresh data directory (named after `name`), then stops the server and
 * removes the directory, whatever `work` did. With `profileDir`, the server writes a CPU profile per
 * thread there when it exits; with `nodeBin`, that Node runs it.
 */
export async function withServer<T>(
  name: string,
  env: Record<string, string>,
  work: (server: { child: ChildProcess; url: string; dataDir: string }) => Promise<T>,
  options: Pick<ServerOptions, "profileDir" | "nodeBin" | "root"> = {},
): Promise<T> {
  const dataDir = mkdtempSync(join(tmpdir(), `logwarden-bench-${name}-`));
  let child: ChildProcess | undefined;
  try {
    const started = await startServer({ dataDir, env, ...options });
    child = started.child;
    return await work({ ...started, dataDir });
  } finally {
    if (child) await stopServer(child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Stops a server started by `startServer` (SIGTERM: it drains) and waits for its exit. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.on("exit", done));
  child.kill("SIGTERM");
  await exited;
}

/** CPU seconds a process has used (user + system), from /proc; null where there is none. */
export function processCpuSecs(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SEC;
  } catch {
    return null;
  }
}
