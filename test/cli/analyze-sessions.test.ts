import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";

/** A job log: every job opens, fetches, writes and closes; lines of several jobs interleave. */
function jobs(ids: number[], broken: Record<number, string[]> = {}, startSecond = 0): string {
  const steps = (id: number) =>
    broken[id] ?? [
      `job job_${id} started by scheduler`,
      `job job_${id} fetched ${100 + id} rows from source`,
      `job job_${id} wrote ${100 + id} rows to sink`,
      `job job_${id} finished ok`,
    ];
  const lines: string[] = [];
  let t = startSecond;
  for (let g = 0; g < ids.length; g += 3) {
    const group = ids.slice(g, g + 3).map(steps);
    for (let k = 0; k < Math.max(...group.map((s) => s.length)); k++)
      for (const s of group) {
        const text = s[k];
        if (text === undefined) continue;
        const iso = new Date(Date.UTC(2026, 0, 1, 0, 0, 0) + t++ * 1000).toISOString();
        lines.push(`${iso} INFO batch ${text}`);
      }
  }
  return `${lines.join("\n")}\n`;
}

/**
 * The default g (13) was chosen on HDFS, whose replicas interleave freely; these jobs run their steps
 * in one order, so one accepted next template is right here (set through the environment, as a user would).
 */
const STRICT = { env: { SEQUENCE_TOP_G: "1" } };

describe("logwarden analyze --session-key", () => {
  const dir = mkdtempSync(join(tmpdir(), "lw-sessions-"));
  const train = join(dir, "train.log");
  const test = join(dir, "test.log");
  writeFileSync(train, jobs(Array.from({ length: 60 }, (_, i) => i)));
  writeFileSync(
    test,
    jobs([100, 101, 102, 103, 104, 105], {
      // Stopped after fetching: never wrote nor finished.
      101: ["job job_101 started by scheduler", "job job_101 fetched 7 rows from source"],
      // Wrote before fetching.
      104: [
        "job job_104 started by scheduler",
        "job job_104 wrote 9 rows to sink",
        "job job_104 fetched 9 rows from source",
        "job job_104 finished ok",
      ],
    }),
  );

  it("trains on a baseline file and reports the anomalous sessions as JSON", async () => {
    const res = await runCli(
      ["analyze", test, "--session-key", "job_[0-9]+", "--train", train, "--format", "json"],
      STRICT,
    );
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.sessions).toMatchObject({
      key: "regex:job_[0-9]+",
      trained_on: "baseline",
      training_sessions: 60,
    });
    const flagged = report.sessions.anomalous.map((s: { id: string }) => s.id).sort();
    expect(flagged).toEqual(["job_101", "job_104"]);
    const wrote = report.anomalies.find((a: { key: string }) => a.key === "job_104");
    expect(wrote.detector).toBe("sequence");
    expect(wrote.explanation.expected.next_templates[0].template).toMatch(/fetched/);
    expect(wrote.evidence.length).toBe(4);
  });

  it("prints sessions in text and one anomaly per line in ndjson", async () => {
    const text = await runCli(["analyze", test, "--session-key", "job_[0-9]+", "--train", train], STRICT);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Sessions \(key regex:job_\[0-9\]\+; model from the baseline: 60 sessions/);
    expect(text.stdout).toMatch(/job_101\s+session job_101 \(2 records\)/);
    const nd = await runCli(
      ["analyze", test, "--session-key", "job_[0-9]+", "--train", train, "-f", "ndjson"],
      STRICT,
    );
    const keys = nd.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l))
      .filter((a) => a.detector === "sequence")
      .map((a) => a.key)
      .sort();
    expect(keys).toEqual(["job_101", "job_104"]);
  });

  it("without --train learns from the first sessions of the file", async () => {
    const file = join(dir, "all.log");
    writeFileSync(
      file,
      jobs(Array.from({ length: 30 }, (_, i) => i)) +
        jobs([200, 201], { 201: ["job job_201 started by scheduler", "job job_201 finished ok"] }, 200),
    );
    const res = await runCli([
      "analyze",
      file,
      "--session-key",
      "job_[0-9]+",
      "--warmup-sessions",
      "30",
      "-f",
      "json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.sessions.trained_on).toBe("warm-up");
    expect(report.sessions.anomalous.map((s: { id: string }) => s.id)).toEqual(["job_201"]);
  });

  it("refuses --train without --session-key and a bad regex", async () => {
    const a = await runCli(["analyze", test, "--train", train]);
    expect(a.code).not.toBe(0);
    expect(a.stderr).toMatch(/--train needs --session-key/);
    const b = await runCli(["analyze", test, "--session-key", "job_(["]);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/not a valid regex/);
  });
});
