import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { LogRecord } from "../../src/core/log-record.js";
import { loadScoreModel, trainingWindows, trainScoreModel } from "../../src/service/score-model.js";
import { groupFeatures } from "../../src/service/scoring.js";
import { trainAndSave } from "../../src/service/train.js";
import { runCli } from "../helpers/cli.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

/** Two hours of an API service: mostly INFO, about 2% errors, varied messages. */
function normalTraffic(): LogRecord[] {
  const out: LogRecord[] = [];
  const start = Date.parse("2026-02-01T00:00:00Z");
  let seed = 7;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 7_200; i++) {
    const error = rand() < 0.02;
    out.push({
      timestamp: new Date(start + i * 1000).toISOString(),
      observedTimestamp: new Date(start).toISOString(),
      severityText: error ? "ERROR" : "INFO",
      severityNumber: error ? 17 : 9,
      body: error
        ? `upstream timeout after ${Math.floor(rand() * 900)} ms`
        : `GET /items/${Math.floor(rand() * 50)} 200`,
      attributes: {},
      resource: { "service.name": "api" },
    });
  }
  return out;
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("system 004 scoring model", () => {
  it("learns normal windows and scores an error storm above nearly all of them", () => {
    const windows = trainingWindows(normalTraffic(), 60);
    expect(windows).toHaveLength(120);
    const artifact = trainScoreModel(windows, {
      windowSecs: 60,
      version: "t1",
      trainedAt: "2026-02-01T02:00:00.000Z",
    });
    const model = loadScoreModel(JSON.parse(JSON.stringify(artifact)));
    const storm = groupFeatures(
      Array.from({ length: 10 }, (_, i) => ({
        ...normalTraffic()[0]!,
        severityText: "ERROR",
        severityNumber: 17,
        body: `db down ${i}`,
      })),
    );
    const usual = windows[5]!;
    // An Isolation Forest scores a point beyond the training range like the most extreme training
    // points (it ends in their leaf), so the storm ranks with the top 1% of training windows, not above all.
    expect(model.score(storm)).toBeGreaterThan(Number(artifact.info.training_score_p99));
    expect(model.score(storm)).toBeGreaterThan(model.score(usual) + 0.2);
    expect(model.score(storm)).toBe(loadScoreModel(artifact).score(storm));
    expect(() =>
      trainScoreModel(windows.slice(0, 1), { windowSecs: 60, version: "x", trainedAt: "x" }),
    ).toThrow(/at least 2/);
  });

  it("is stored as a version, loaded by serve, and used by /score and /model-info", async () => {
    server = await startTestServer();
    const modelDir = mkdtempSync(join(tmpdir(), "lw-models-"));
    const result = await trainAndSave(server.rt.store, normalTraffic(), { windowSecs: 60, modelDir });
    expect(result.modelVersion).toBe(1);
    expect(JSON.parse(readFileSync(join(modelDir, "model_info.json"), "utf8"))).toMatchObject({
      version: "if-1",
      algorithm: "isolation_forest",
      training_samples: 120,
    });
    const dataDir = server.dataDir;
    await server.close(false);
    server = await startTestServer({}, { dataDir });
    const info = (await server.app.inject({ url: "/model-info", headers: auth })).json();
    expect(info).toMatchObject({ version: "if-1", training_samples: 120 });
    const scored = (
      await server.app.inject({
        method: "POST",
        url: "/score",
        headers: auth,
        payload: {
          logs: [
            { service: "api", level: "ERROR", message: "db down" },
            { service: "api", level: "ERROR", message: "db down again" },
          ],
        },
      })
    ).json();
    expect(scored.model).toBe("if-1");
    expect(scored.score).toBeGreaterThan(0.6);
  });

  it("trains from the command line", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-train-"));
    const file = join(dir, "normal.ndjson");
    writeFileSync(
      file,
      normalTraffic()
        .map((r) => JSON.stringify({ time: r.timestamp, level: r.severityText, service: "api", msg: r.body }))
        .join("\n"),
    );
    const res = await runCli([
      "train",
      file,
      "--window",
      "60",
      "--model-dir",
      join(dir, "models"),
      "--data-dir",
      join(dir, "data"),
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/trained if-1 on 120 windows from 7200 records/);
    const missing = await runCli(["train", join(dir, "nope.log")]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/nope\.log/);
  });
});
