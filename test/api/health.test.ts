import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/runtime.js";

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
    expect((await server.app.inject({ url: "/health/ready" })).json()).toEqual({ status: "ready" });
  });
});
