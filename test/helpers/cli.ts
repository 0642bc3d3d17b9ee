import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));
const ENTRY = "src/cli/index.ts";

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as a user runs `logwarden`, from the JavaScript this test run transpiled (`serveEntry`).
 * Through tsx every start compiled each module again: 5-8 s a command with three test files at a time on
 * two cores, so a test of four commands ran past its 30 s limit in CI.
 */
export function runCli(
  args: string[],
  options: { input?: string | Buffer; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serveEntry(), ...args], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: "warn", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/**
 * How `runCli` and `startServe` run the CLI: the JavaScript the test run's global setup transpiled from these sources
 * (test/helpers/build-server.ts, LOGWARDEN_SERVE_ENTRY), or the sources through tsx when there is none.
 */
export function serveEntry(): string[] {
  const built = process.env.LOGWARDEN_SERVE_ENTRY;
  return built ? [built] : ["--import", "tsx", ENTRY];
}

/**
 * The built JavaScript of a test script that runs as a process or thread of its own (one of TEST_SCRIPTS,
 * test/helpers/build-server.ts), or null when this run transpiled nothing (LOGWARDEN_SERVE_ENTRY=tsx).
 */
export function builtTestScript(script: URL): string | null {
  const entry = process.env.LOGWARDEN_SERVE_ENTRY;
  if (!entry) return null;
  const inTest = relative(join(REPO, "test"), fileURLToPath(script));
  const built = join(dirname(dirname(entry)), "test", inTest.replace(/\.ts$/, ".js"));
  if (!existsSync(built))
    throw new Error(`test/${inTest} is not built: add it to TEST_SCRIPTS in test/helpers/build-server.ts`);
  return built;
}

/** Node's arguments that run a test script as a process: its build, else its source through tsx. */
export function testScript(script: URL): string[] {
  const built = builtTestScript(script);
  return built ? [built] : ["--import", "tsx", fileURLToPath(script)];
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  url: string;
  stdout: () => string;
  stderr: () => string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `logwarden serve` on a free port and waits for its "Server listening on port N" line. */
export function startServe(
  env: Record<string, string>,
  timeoutMs = 20_000,
  args: readonly string[] = [],
): Promise<ServeProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...serveEntry(), "serve", ...args], {
      cwd: REPO,
      env: { ...process.env, PORT: "0", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`serve did not start within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    let listening = false;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      // Searched only until found: the search flattens the whole log, per chunk, which under a heavy
      // request log (overload test) cost the test process seconds of CPU and skewed its timings.
      if (listening) return;
      const m = /Server listening on port (\d+)/.exec(stderr);
      if (m) {
        listening = true;
        clearTimeout(timer);
        const port = Number(m[1]);
        resolve({
          child,
          port,
          url: `http://127.0.0.1:${port}`,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: (signal = "SIGTERM") => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening:\n${stderr}`));
    });
  });
}

/** The server's JSON log lines (LOG_FORMAT=json), parsed. */
export function logLines(server: ServeProcess): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of server.stderr().split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut by the read in progress
    }
  }
  return out;
}
