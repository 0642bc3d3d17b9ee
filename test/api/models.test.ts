import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeModelFolder } from "../../src/service/model-dir.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { authEvents } from "./auth-events.js";

let server: TestServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "lw-002-"));
  dirs.push(d);
  return d;
}

describe("system 002: models and readiness", () => {
  it("loads a Logwarden model folder, and answers 404/400 for a missing or unreadable one", async () => {
    const modelDir = tempDir();
    server = await startTestServer({ MODEL_DIR: join(modelDir, "absent") });
    // No MODEL_DIR: the built-in detectors serve, the service is ready.
    expect((await server.app.inject({ url: "/health/ready" })).json()).toEqual({ status: "ready" });

    const missing = await server.app.inject({ method: "POST", url: "/models/load", headers: auth });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toMatch(/not found/);

    const empty = tempDir();
    const noModels = await server.app.inject({
      method: "POST",
      url: "/models/load",
      headers: auth,
      payload: { model_dir: empty },
    });
    expect(noModels.statusCode).toBe(400);
    expect(noModels.json().detail).toMatch(/no Logwarden models/);

    const good = tempDir();
    await writeModelFolder(good, "m-7", [
      {
        name: "pipeline",
        kind: "processor-state",
        file: "pipeline-state.json",
        content: server.rt.analysis.processor().exportState() as never,
      },
    ]);
    const loaded = await server.app.inject({
      method: "POST",
      url: "/models/load",
      headers: auth,
      payload: { model_dir: good },
    });
    expect(loaded.statusCode, loaded.body).toBe(200);
    expect(loaded.json()).toEqual({ status: "loaded", model_dir: good, models: ["pipeline"] });
    const stats = (await server.app.inject({ url: "/stats", headers: auth })).json();
    expect(stats).toMatchObject({
      models_loaded: true,
      model_version: "m-7",
      models: { pipeline: { kind: "processor-state" } },
    });
    const res = await server.app.inject({
      method: "POST",
      url: "/analyze",
      headers: auth,
      payload: { logs: authEvents(3) },
    });
    expect(res.json().model_version).toBe("m-7");

    writeFileSync(join(good, "pipeline-state.json"), "{tampered");
    const tampered = await server.app.inject({
      method: "POST",
      url: "/models/load",
      headers: auth,
      payload: { model_dir: good },
    });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.json().detail).toMatch(/SHA-256/);
  });

  it("is not ready while MODEL_DIR exists but cannot be loaded, until a load succeeds", async () => {
    const modelDir = tempDir();
    writeFileSync(join(modelDir, "logwarden-models.json"), '{"format": "something else"}');
    server = await startTestServer({ MODEL_DIR: modelDir });
    const ready = await server.app.inject({ url: "/health/ready" });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ detail: "Service Unavailable" });
    expect((await server.app.inject({ url: "/health" })).json().models_loaded).toBe(false);
    expect((await server.app.inject({ url: "/health/live" })).statusCode).toBe(200);
    const analyze = await server.app.inject({
      method: "POST",
      url: "/analyze",
      headers: auth,
      payload: { logs: [] },
    });
    expect(analyze.statusCode).toBe(503);

    await writeModelFolder(modelDir, "v1", []);
    const loaded = await server.app.inject({ method: "POST", url: "/models/load", headers: auth });
    expect(loaded.statusCode, loaded.body).toBe(200);
    expect((await server.app.inject({ url: "/health/ready" })).statusCode).toBe(200);
  });

  it("names the model folder absolutely only to an admin: /stats, /models/load and its errors", async () => {
    const root = tempDir();
    const modelDir = join(root, "models");
    server = await startTestServer({ API_TOKENS: "client", MODEL_DIR: modelDir });
    const client = { authorization: "Bearer client" };
    // No folder yet: a 404 naming it, by its name only for a client.
    const missing = await server.app.inject({ method: "POST", url: "/models/load", headers: client });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().detail).toBe("model directory not found: models");
    const missingAdmin = await server.app.inject({ method: "POST", url: "/models/load", headers: auth });
    expect(missingAdmin.json().detail).toBe(`model directory not found: ${modelDir}`);

    await writeModelFolder(modelDir, "v1", []);
    const loaded = await server.app.inject({ method: "POST", url: "/models/load", headers: client });
    expect(loaded.statusCode, loaded.body).toBe(200);
    expect(loaded.json()).toEqual({ status: "loaded", model_dir: "models", models: [] });
    const asAdmin = await server.app.inject({ method: "POST", url: "/models/load", headers: auth });
    expect(asAdmin.json().model_dir).toBe(modelDir);

    const stats = (await server.app.inject({ url: "/stats", headers: client })).json();
    expect(stats.model_dir).toBe("models");
    expect(JSON.stringify(stats)).not.toContain(root);
    expect((await server.app.inject({ url: "/stats", headers: auth })).json().model_dir).toBe(modelDir);
  });

  it("needs the admin scope to load a folder other than MODEL_DIR", async () => {
    server = await startTestServer({ API_TOKENS: "client" });
    const res = await server.app.inject({
      method: "POST",
      url: "/models/load",
      headers: { authorization: "Bearer client" },
      payload: { model_dir: "/etc" },
    });
    expect(res.statusCode).toBe(403);
  });
});
