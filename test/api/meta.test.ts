import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("system 004: GET /meta", () => {
  it("answers /meta with exactly git, model and started_at", async () => {
    server = await startTestServer({ MODEL_VERSION: "v7", GIT_COMMIT: "abc123" });
    const res = await server.app.inject({ url: "/meta", headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(["git", "model", "started_at"]);
    expect(body).toMatchObject({ git: "abc123", model: "v7" });
    expect(body.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});
