import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const burst = (service: string, start: number) =>
  Array.from({ length: 5 }, (_, i) => ({
    timestamp: new Date(Date.parse("2026-03-01T00:00:00Z") + (start + i) * 1000).toISOString(),
    service,
    level: "ERROR",
    message: `upstream ${service} refused connection ${i}`,
  }));

describe("verdicts through the API", () => {
  it("a false positive suppresses its repeats; verdicts feed precision in /stats and /metrics", async () => {
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3", BRUTE_FORCE_ENABLED: "false" });
    const ingest = (logs: unknown[]) =>
      server!.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: logs });
    await ingest(burst("payments", 0));
    await ingest(burst("search", 0));
    const list = (
      await server.app.inject({ url: "/api/v1/anomalies?agent_name=error_burst", headers: auth })
    ).json();
    const payments = list.find((a: { description: string }) => a.description.includes("payments"));
    const search = list.find((a: { description: string }) => a.description.includes("search"));
    expect(payments && search).toBeTruthy();

    const fp = await server.app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${payments.id}`,
      headers: auth,
      payload: { status: "false_positive", comment: "payments retries are expected during deploys" },
    });
    expect(fp.statusCode).toBe(200);
    const tp = await server.app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${search.id}`,
      headers: auth,
      payload: { status: "resolved", comment: "real outage" },
    });
    expect(tp.statusCode).toBe(200);

    // An hour later the same burst on payments is suppressed; search still alerts.
    await ingest(burst("payments", 7200));
    await ingest(burst("search", 7200));
    const after = (
      await server.app.inject({ url: "/api/v1/anomalies?agent_name=error_burst&status=open", headers: auth })
    ).json();
    expect(after.map((a: { description: string }) => a.description).join(" ")).not.toContain("payments");
    expect(after.map((a: { description: string }) => a.description).join(" ")).toContain("search");

    const stats = (await server.app.inject({ url: "/stats", headers: auth })).json();
    expect(stats.detector_precision).toContainEqual({
      detector: "error_burst",
      true_positives: 1,
      false_positives: 1,
      precision: 0.5,
    });
    const metrics = (await server.app.inject({ url: "/metrics", headers: auth })).body;
    expect(metrics).toMatch(/logwarden_detector_precision_ratio\{detector="error_burst"\} 0\.5/);
  });
});

describe("verdicts in logwarden analyze", () => {
  it("drops anomalies people marked false positive, unless --no-verdicts", async () => {
    const { writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { runCli } = await import("../helpers/cli.js");
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3", BRUTE_FORCE_ENABLED: "false" });
    await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: burst("payments", 0) });
    const [a] = (
      await server.app.inject({ url: "/api/v1/anomalies?agent_name=error_burst", headers: auth })
    ).json();
    await server.app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${a.id}`,
      headers: auth,
      payload: { status: "false_positive" },
    });
    const dataDir = server.dataDir;
    await server.close(false);
    server = undefined;
    const file = join(dataDir, "payments.ndjson");
    writeFileSync(
      file,
      burst("payments", 9000)
        .map((l) => JSON.stringify(l))
        .join("\n"),
    );
    const env = { DATA_DIR: dataDir, ERROR_BURST_THRESHOLD: "3", BRUTE_FORCE_ENABLED: "false" };
    const honoured = await runCli(["analyze", file, "--format", "json"], { env });
    expect(honoured.code, honoured.stderr).toBe(0);
    expect(
      JSON.parse(honoured.stdout).anomalies.filter((x: { detector: string }) => x.detector === "error_burst"),
    ).toEqual([]);
    const ignored = await runCli(["analyze", file, "--format", "json", "--no-verdicts"], { env });
    expect(
      JSON.parse(ignored.stdout).anomalies.some((x: { detector: string }) => x.detector === "error_burst"),
    ).toBe(true);
  });
});
