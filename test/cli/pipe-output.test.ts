import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, serveEntry } from "../helpers/cli.js";
import { loghubFile } from "../helpers/loghub.js";

const LINUX = loghubFile("Linux");
/** The JavaScript this test run transpiled (`serveEntry`): through tsx each run compiled every module again. */
const CLI = serveEntry();

/** Runs the CLI with stdout on a pipe that is not read for the first `stallMs`, as a slow `| jq` would. */
function runIntoSlowPipe(args: string[], stallMs: number): Promise<{ code: number | null; out: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, ...args], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const chunks: Buffer[] = [];
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), stallMs);
    child.stdout.on("data", (d: Buffer) => chunks.push(d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out: Buffer.concat(chunks) }));
  });
}

describe("CLI output on a pipe", () => {
  it("writes everything past the pipe's 64 KiB buffer before exiting", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "lw-pipe-")), "report.json");
    const { code, out } = await runIntoSlowPipe(["analyze", LINUX, "--format", "json"], 1500);
    expect(code).toBe(0);
    expect(out.length).toBeGreaterThan(64 * 1024);
    expect(() => JSON.parse(out.toString("utf8"))).not.toThrow();

    const toFile = await runIntoSlowPipe(["analyze", LINUX, "--format", "json", "--output", file], 0);
    expect(toFile.code).toBe(0);
    // The same report, apart from the run's own timing.
    const strip = (text: string) => text.replace(/"duration_ms": ?[0-9.]+/g, "");
    expect(strip(out.toString("utf8")).length).toBe(strip(readFileSync(file, "utf8")).length);
  }, 60_000);

  it("ends quietly with status 0 when the reader closes early (| head)", async () => {
    const result = await new Promise<{ status: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        "bash",
        [
          "-c",
          `set -o pipefail; node ${CLI.join(" ")} parse "${LINUX}" | head -c 100 >/dev/null; echo "status=$?" >&2`,
        ],
        { cwd: REPO, stdio: ["ignore", "ignore", "pipe"] },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      child.on("error", reject);
      child.on("close", () => resolve({ status: /status=(\d+)/.exec(stderr)?.[1] ?? "?", stderr }));
    });
    expect(result.stderr).not.toMatch(/EPIPE|Error|at .*\.js/);
    expect(result.status).toBe("0");
  }, 60_000);
});
