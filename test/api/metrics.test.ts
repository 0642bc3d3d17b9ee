import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import type { SegmentLogStore } from "../../src/store/segments/segment-log-store.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const promtool = spawnSync("promtool", ["--version"]).status === 0;
// Skipped with a message on a laptop without it; CI installs it, and there the check fails without it.
if (!promtool && !process.env.CI)
  console.warn("[skip] promtool is not on PATH: `apt-get install -y prometheus` to run the metrics lint");

async function scrape(s: TestServer): Promise<string> {
  const res = await s.app.inject({ url: "/metrics", headers: auth });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0.0.4/);
  return res.body;
}

function value(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : Number.NaN;
}

describe("GET /metrics", () => {
  it("exposes system 002's metrics, pipeline, miner, anomaly and HTTP metrics", async () => {
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3" });
    const logs = Array.from({ length: 5 }, (_, i) => ({
      timestamp: `2025-04-03T14:22:0${i}Z`,
      service: "auth",
      level: "ERROR",
      message: `invalid password ${i}`,
    }));
    await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: logs });
    const analyzed = await server.app.inject({
      method: "POST",
      url: "/analyze",
      headers: auth,
      payload: { logs },
    });
    expect(analyzed.statusCode, analyzed.body).toBe(200);
    await server.app.inject({ url: "/api/v1/anomalies/12345", headers: auth });
    // The same page twice: read once, then sent from the page cache.
    for (let i = 0; i < 2; i++) await server.app.inject({ url: "/api/v1/anomalies", headers: auth });
    const text = await scrape(server);

    expect(text).toContain("# HELP anomalies_detected_total Total anomalies detected");
    expect(text).toContain("# TYPE anomalies_detected_total counter");
    expect(text).toContain("# HELP analysis_duration_seconds Analysis duration");
    const buckets = [...text.matchAll(/^analysis_duration_seconds_bucket\{le="([^"]+)"\}/gm)].map(
      (m) => m[1],
    );
    expect(buckets).toEqual([
      "0.005",
      "0.01",
      "0.025",
      "0.05",
      "0.075",
      "0.1",
      "0.25",
      "0.5",
      "0.75",
      "1",
      "2.5",
      "5",
      "7.5",
      "10",
      "+Inf",
    ]);
    expect(value(text, "analysis_duration_seconds_count")).toBe(1);
    expect(value(text, "anomalies_detected_total")).toBeGreaterThan(0);

    expect(value(text, "logwarden_ingest_records_total")).toBe(5);
    expect(value(text, "logwarden_ingest_bytes_total")).toBeGreaterThan(100);
    expect(value(text, "logwarden_ingest_queue_records")).toBe(0);
    expect(value(text, "logwarden_ingest_rejected_submissions_total")).toBe(0);
    expect(value(text, "logwarden_ingest_records_per_second")).toBeGreaterThan(0);
    expect(value(text, 'logwarden_pipeline_stage_duration_seconds_count{stage="mine"}')).toBe(1);
    expect(value(text, 'logwarden_pipeline_stage_duration_seconds_count{stage="store"}')).toBe(1);
    expect(value(text, 'logwarden_pipeline_stage_duration_seconds_count{stage="detect"}')).toBe(1);
    expect(value(text, "logwarden_templates")).toBeGreaterThan(0);
    expect(value(text, "logwarden_heap_live_bytes")).toBeGreaterThanOrEqual(0);
    expect(value(text, "logwarden_template_evictions_total")).toBe(0);
    expect(text).toMatch(/^logwarden_anomalies_total\{detector="error_burst",severity="\w+"\} [1-9]/m);
    expect(text).toMatch(
      /^logwarden_http_request_duration_seconds_count\{method="POST",route="\/ingest",status_code="200"\} 1$/m,
    );
    // Route templates, not raw URLs.
    expect(text).toContain('route="/api/v1/anomalies/:id",status_code="404"');
    // The raw path, not just its id: a metric's value (bytes, seconds) can hold the digits 12345 by chance,
    // and once did in CI.
    expect(text).not.toContain("/api/v1/anomalies/12345");
    expect(text).toContain("process_cpu_seconds_total");
    expect(value(text, 'logwarden_anomaly_page_cache_lookups_total{result="miss"}')).toBe(1);
    expect(value(text, 'logwarden_anomaly_page_cache_lookups_total{result="hit"}')).toBe(1);
    expect(value(text, "logwarden_anomaly_page_cache_bytes")).toBeGreaterThan(2);
  });

  it("reports the segment store's unsealed lines and segments (LOG_STORE=segments only)", async () => {
    server = await startTestServer({ LOG_STORE: "segments" });
    const lines = Array.from({ length: 7 }, (_, i) => ({ service: "api", message: `job ${i} done` }));
    await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: lines });
    let text = await scrape(server);
    expect(value(text, "logwarden_log_unsealed_lines")).toBe(7);
    expect(value(text, "logwarden_log_segments")).toBe(0);
    await (server.rt.logs as SegmentLogStore).seal();
    text = await scrape(server);
    expect(value(text, "logwarden_log_unsealed_lines")).toBe(0);
    expect(value(text, "logwarden_log_segments")).toBe(1);
    await server.close();
    server = await startTestServer({ LOG_STORE: "table" });
    expect(await scrape(server)).not.toContain("logwarden_log_unsealed_lines");
  });

  it("needs a read credential unless OPEN_ROUTES has metrics, and two apps keep separate registries", async () => {
    server = await startTestServer();
    expect((await server.app.inject({ url: "/metrics" })).statusCode).toBe(401);
    const other = await startTestServer({ OPEN_ROUTES: "metrics" });
    try {
      expect((await other.app.inject({ url: "/metrics" })).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });

  it.skipIf(!promtool && !process.env.CI)("passes promtool check metrics", async () => {
    if (!promtool)
      throw new Error(
        "promtool is required in CI (.ci/run installs the prometheus package) but is not on PATH",
      );
    server = await startTestServer();
    await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: [{ message: "x" }] });
    const text = await scrape(server);
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe("");
    expect(check.status).toBe(0);
  });
});
