import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { loghubFile } from "../helpers/loghub.js";

const FILES = ["HDFS", "Linux", "OpenSSH"];

let dir: string;
let logs: string;
let out: string;

/**
 * The real CLI, as cron runs it (no TTY: one line per file), from the JavaScript this test run transpiled
 * (`runCli`): through tsx each of the file's four runs compiled every module again, about 2 s of CPU each.
 */
function batch(...extra: string[]) {
  return runCli(["batch", "--log-dir", logs, "--output-dir", out, ...extra], {
    env: { LOG_LEVEL: "silent" },
  });
}

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lw-batch-"));
  logs = join(dir, "logs");
  out = join(dir, "out");
  mkdirSync(logs);
  for (const name of FILES) copyFileSync(loghubFile(name), join(logs, `${name}_2k.log`));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("logwarden batch", () => {
  it("--once writes one §3.3 report per file and a summary", async () => {
    const run = await batch("--once");
    expect(run.stderr).toContain("3 processed, 0 unchanged, 0 failed");
    expect(run.code).toBe(0);
    for (const name of FILES) {
      expect(run.stderr).toContain(`batch: ${name}_2k.log: 2000 events`);
      const report = json(join(out, `${name}_2k.log.analysis.json`));
      expect(report).toMatchObject({
        file: `${name}_2k.log`,
        total_events: 2000,
        model_version: expect.any(String),
      });
      expect(Number.isInteger(report.anomalies_detected)).toBe(true);
      expect(report.anomalies).toHaveLength(report.anomalies_detected);
      expect(report.analysis_time_ms).toEqual(expect.any(Number));
      for (const a of report.anomalies) {
        expect(["low", "medium", "high", "critical"]).toContain(a.severity);
        expect(a).toMatchObject({
          index: expect.any(Number),
          anomaly_score: expect.any(Number),
          detector: expect.any(String),
        });
        expect(a.reasons.length).toBeGreaterThan(0);
      }
    }
    const summary = json(join(out, "summary.json"));
    expect(summary).toMatchObject({
      files_total: 3,
      files_processed: 3,
      files_skipped: 0,
      files_failed: 0,
      total_events: 6000,
    });
    expect(existsSync(join(out, ".logwarden-batch-state.json"))).toBe(true);
  }, 60_000);

  it("a second --once processes nothing; touching one file reprocesses only it", async () => {
    const again = await batch("--once");
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("0 processed, 3 unchanged, 0 failed");

    const touched = join(logs, "Linux_2k.log");
    const before = statSync(join(out, "Linux_2k.log.analysis.json")).mtimeMs;
    const later = new Date(Date.now() + 5_000);
    utimesSync(touched, later, later);
    const third = await batch("--once");
    expect(third.code).toBe(0);
    expect(third.stderr).toContain("1 processed, 2 unchanged, 0 failed");
    expect(third.stderr).toContain("batch: Linux_2k.log:");
    expect(third.stderr).not.toContain("batch: HDFS_2k.log:");
    expect(statSync(join(out, "Linux_2k.log.analysis.json")).mtimeMs).toBeGreaterThan(before);
  }, 60_000);

  it("exits non-zero naming every file that failed, and still writes the others", async () => {
    writeFileSync(join(logs, "new_app.log"), "2026-02-01T09:30:00Z ERROR auth invalid password\n");
    writeFileSync(join(logs, "corrupt.log.gz"), "this is not gzip");
    symlinkSync(join(dir, "does-not-exist.log"), join(logs, "dangling.log"));
    if (process.getuid?.() !== 0) {
      writeFileSync(join(logs, "secret.log"), "x\n", { mode: 0o000 });
    }
    const run = await batch("--once");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/logwarden: \d file\(s\) failed: .*corrupt\.log\.gz/);
    expect(run.stderr).toMatch(/failed: .*dangling\.log \(ENOENT/);
    expect(json(join(out, "new_app.log.analysis.json"))).toMatchObject({ total_events: 1 });
    const summary = json(join(out, "summary.json"));
    expect(summary.failures.map((f: { file: string }) => f.file)).toEqual(
      expect.arrayContaining(["corrupt.log.gz", "dangling.log"]),
    );
    expect(summary.files_processed).toBe(1);
  }, 60_000);
});
