import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { SYSTEM_004_SAMPLE as SAMPLE } from "../helpers/samples.js";

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("system 004: GET /incidents", () => {
  it("requires a bearer token unless the group is opened with OPEN_ROUTES", async () => {
    server = await startTestServer();
    expect((await server.app.inject({ url: "/incidents" })).statusCode).toBe(401);
    expect(
      (await server.app.inject({ url: "/incidents", headers: { authorization: "Bearer nope" } })).statusCode,
    ).toBe(401);
    expect(
      (await server.app.inject({ url: "/incidents", headers: { authorization: "test-admin-token" } }))
        .statusCode,
    ).toBe(401);
    expect((await server.app.inject({ url: "/incidents" })).json()).toMatchObject({ error: "Unauthorized" });
    await server.close();
    server = await startTestServer({ OPEN_ROUTES: "ingest,incidents,meta" });
    expect((await server.app.inject({ method: "POST", url: "/ingest", payload: SAMPLE })).statusCode).toBe(
      200,
    );
    expect((await server.app.inject({ url: "/incidents" })).statusCode).toBe(200);
    expect((await server.app.inject({ url: "/meta" })).statusCode).toBe(200);
  });
});
