import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { noteSkip } from "./skips.js";

/**
 * A real S3-protocol server for the object-storage tests: s3rver, from npm (a devDependency, so `npm ci`
 * in .ci/run installs it), run as a process of its own on 127.0.0.1 and a free port, storing objects in a
 * temp directory, with one bucket made at its start. Debian 12's Ceph radosgw (16.2) cannot run without a
 * RADOS cluster (its standalone store came later) and Debian has no moto package, so this is the S3 server
 * CI can install (docs/deployment.md, "Segments in object storage").
 */
export interface TestS3Server {
  endpoint: string;
  bucket: string;
  /** The server's process, for tests that kill it. */
  process: ChildProcess;
  stop(): Promise<void>;
}

/** The s3rver command line, or null when it is not installed. */
function s3rverScript(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve("s3rver/package.json");
    const script = join(dirname(pkg), "bin", "s3rver.js");
    return existsSync(script) ? script : null;
  } catch {
    return null;
  }
}

/**
 * Starts s3rver with bucket `bucket`, or returns null after a `[skip]` line when it is not installed (in
 * CI, where `npm ci` installs it, that throws instead).
 */
export async function startS3Server(bucket = "logwarden-test"): Promise<TestS3Server | null> {
  const script = s3rverScript();
  if (script === null) {
    if (process.env.CI) throw new Error("s3rver (a devDependency) is required in CI but is not installed");
    noteSkip("S3 object storage tests", "s3rver is not installed (npm install: it is a devDependency)");
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), "logwarden-s3-"));
  const child = spawn(
    process.execPath,
    [script, "-d", dir, "-a", "127.0.0.1", "-p", "0", "--configure-bucket", bucket],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`s3rver did not start within 10 s: ${out}`)), 10_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      // "S3rver listening on 127.0.0.1:34375"
      const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`s3rver exited (code ${code}): ${out}`));
    });
  });
  // Past its start line it logs every request: read and dropped, so its pipe never fills.
  child.stdout!.resume();
  child.stderr!.resume();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
