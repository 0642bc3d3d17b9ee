import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeModelFolder } from "../../src/service/model-dir.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Stats {
  model_dir: string;
  model_dir_status: string;
  detectors: { name: string; phase: string; detail: string }[];
}

const stats = async (s: TestServer): Promise<Stats> =>
  (await s.app.inject({ url: "/stats", headers: auth })).json();

/** 1,500 lines of a steady service, in one stream, one second apart. */
function lines(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    service: "web",
    level: "INFO",
    message: `GET /items/${i % 40} 200 ${i % 7}ms`,
  }));
}

describe("GET /stats: the Settings page's models and detectors (defect 7)", () => {
  it("shows the live pipeline's detectors: records ingested count toward warm-up", async () => {
    server = await startTestServer();
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: lines(1500),
    });
    expect(res.statusCode).toBeLessThan(300);
    const newTemplate = (await stats(server)).detectors.find((d) => d.name === "new_template");
    expect(newTemplate).toBeDefined();
    // Before: a fresh copy's status, "warming up: 0 of 1000 records seen", however much was ingested.
    expect(newTemplate!.detail).not.toMatch(/\b0 of \d+ records seen/);
    expect(newTemplate).toEqual(
      server.rt.pipeline.processor.statuses().find((d) => d.name === "new_template"),
    );
  });

  it("says a model folder that does not exist is not found, not loaded", async () => {
    server = await startTestServer({ MODEL_DIR: "/nonexistent/anomaly_outputs" });
    const s = await stats(server);
    expect(s.model_dir).toBe("/nonexistent/anomaly_outputs");
    expect(s.model_dir_status).toBe("not_found");
  });

  it("says load failed for a folder without models, and loaded once a folder loads", async () => {
    const empty = mkdtempSync(join(tmpdir(), "logwarden-models-"));
    server = await startTestServer({ MODEL_DIR: empty });
    expect((await stats(server)).model_dir_status).toBe("load_failed");
    await writeModelFolder(empty, "m-1", [
      {
        name: "pipeline",
        kind: "processor-state",
        file: "pipeline-state.json",
        content: server.rt.analysis.processor().exportState() as never,
      },
    ]);
    const load = await server.app.inject({ method: "POST", url: "/models/load", headers: auth });
    expect(load.statusCode, load.body).toBe(200);
    expect((await stats(server)).model_dir_status).toBe("loaded");
    rmSync(empty, { recursive: true, force: true });
    // Deleted under the running server: the page must not go on saying "loaded".
    expect((await stats(server)).model_dir_status).toBe("not_found");
  });
});
