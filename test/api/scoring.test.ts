import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { SYSTEM_004_SAMPLE as SAMPLE } from "../helpers/samples.js";

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("system 004: POST /score, GET /model-info", () => {
  it("scores without storing on POST /score and describes the model on /model-info", async () => {
    server = await startTestServer();
    const res = await server.app.inject({
      method: "POST",
      url: "/score",
      headers: auth,
      payload: { logs: SAMPLE.slice(0, 2) },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().score).toBeGreaterThan(0.8);
    expect(res.json().features.error_count).toBe(2);
    const info = (await server.app.inject({ url: "/model-info", headers: auth })).json();
    expect(info).toHaveProperty("version");
    expect(info).toHaveProperty("features");
  });
});
