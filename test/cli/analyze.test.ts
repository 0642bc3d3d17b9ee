import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { loghubFile } from "../helpers/loghub.js";

const HDFS = loghubFile("HDFS");

describe("logwarden analyze", () => {
  it("summarises a raw log file: records, templates, anomalies, top templates", async () => {
    const res = await runCli(["analyze", HDFS, "--format", "json"]);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.records).toBe(2000);
    expect(report.templates).toBeGreaterThan(5);
    expect(report.templates).toBeLessThan(100);
    expect(report.top_templates[0].count).toBeGreaterThan(100);
    expect(report.anomalies_by_severity).toHaveProperty("critical");
    expect(report.detectors.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining(["new_template", "error_burst"]),
    );
  });

  it("prints a readable text summary and reads stdin", async () => {
    const input = Array.from(
      { length: 30 },
      (_, i) => `2026-01-01T00:00:${String(i).padStart(2, "0")}Z ERROR db connection ${i} refused`,
    ).join("\n");
    const res = await runCli(["analyze", "-"], { input, env: { ERROR_BURST_THRESHOLD: "10" } });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/records\s+30/);
    expect(res.stdout).toMatch(/error_burst/);
  });

  it("writes --output and supports ndjson", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-analyze-"));
    const out = join(dir, "report.ndjson");
    const input = Array.from({ length: 25 }, (_, i) =>
      JSON.stringify({ ts: 1767225600 + i, level: "error", service: "pay", msg: `charge ${i} failed` }),
    ).join("\n");
    const res = await runCli(["analyze", "-", "--format", "ndjson", "--output", out], {
      input,
      env: { ERROR_BURST_THRESHOLD: "5" },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe("");
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(JSON.parse(lines[0]!)).toMatchObject({ detector: "error_burst", service: "pay" });
  });

  it("reads a JSON document (a pretty-printed array, or {logs: [...]}) as one record per element", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-analyze-"));
    const logs = Array.from({ length: 30 }, (_, i) => ({
      timestamp: `2026-01-01T00:00:${String(i).padStart(2, "0")}Z`,
      service: "pay",
      level: "ERROR",
      message: `charge ${i} failed`,
    }));
    for (const [name, text] of [
      ["array.json", JSON.stringify(logs, null, 2)],
      ["wrapped.json", JSON.stringify({ logs }, null, 2)],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const res = await runCli(["analyze", file, "--format", "json"], {
        env: { ERROR_BURST_THRESHOLD: "10" },
      });
      expect(res.code, res.stderr).toBe(0);
      const report = JSON.parse(res.stdout);
      expect(report.records, name).toBe(30);
      expect(report.top_templates[0], name).toMatchObject({ stream: "pay", count: 30 });
    }
  });

  it("gives zero counts for an empty file and a one-line error for an unreadable path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-analyze-"));
    const empty = join(dir, "empty.log");
    writeFileSync(empty, "");
    const ok = await runCli(["analyze", empty, "--format", "json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ records: 0, templates: 0, anomalies: [] });
    const missing = await runCli(["analyze", join(dir, "nope.log")]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/nope\.log/);
    const bad = await runCli(["analyze", empty, "--format", "xml"]);
    expect(bad.code).not.toBe(0);
  });

  it("replaces invalid UTF-8 instead of crashing", async () => {
    // Two bad bytes in a text line (a file of mostly such bytes is binary and refused, refused-inputs.test.ts).
    const res = await runCli(["analyze", "-", "--format", "json"], {
      input: Buffer.concat([
        Buffer.from("service started on port 8080 with four workers fo"),
        Buffer.from([0xff, 0xfe, 0x0a]),
        Buffer.from("bar"),
      ]),
    });
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout).records).toBe(2);
  });
});
