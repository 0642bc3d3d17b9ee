import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("health", () => {
  it("is open and carries every seed's fields", async () => {
    server = await startTestServer();
    const res = await server.app.inject({ url: "/health", headers: { authorization: "Bearer anything" } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "healthy",
      checks: { sqlite: "ok", source_postgres: "disabled", redis: "disabled" },
      models_loaded: true,
    });
    expect((await server.app.inject({ url: "/health/live" })).json()).toEqual({ status: "alive" });
  });

  it("names MODEL_DIR without an absolute server path, to anyone, admin token or not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lw-health-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // Outside the working directory: only the folder's own name.
    server = await startTestServer({ MODEL_DIR: join(dir, "models") });
    for (const headers of [{}, auth]) {
      const body = (await server.app.inject({ url: "/health", headers })).json();
      expect(body.model_dir).toBe("models");
      expect(JSON.stringify(body)).not.toContain(dir);
    }
    await server.close();
    // Inside it (the default, `anomaly_outputs`): relative to it, as configured.
    server = await startTestServer();
    expect((await server.app.inject({ url: "/health" })).json().model_dir).toBe("anomaly_outputs");
    expect((await server.app.inject({ url: "/health/ready" })).json()).toEqual({ status: "ready" });
  });
});
