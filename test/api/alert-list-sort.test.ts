import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("GET /api/v1/alerts?sort=severity", () => {
  it("lists critical first, newest first within a severity, with the total and filters kept", async () => {
    server = await startTestServer({ TRIAGE_RETRY_BASE_MS: "1" });
    const severities = ["low", "critical", "medium", "high", "low", "critical"];
    const posted = await server.app.inject({
      method: "POST",
      url: "/api/v1/alerts",
      headers: auth,
      payload: severities.map((severity, i) => ({ alert_id: `a-${i}`, severity, source_ip: "10.9.9.9" })),
    });
    expect(posted.statusCode, posted.body).toBe(202);
    await server.rt.triage.idle();
    const list = async (q: string) =>
      (await server!.app.inject({ url: `/api/v1/alerts?${q}`, headers: auth })).json() as {
        total: number;
        items: { alert_id: string }[];
      };
    const bySeverity = await list("sort=severity&limit=4");
    expect(bySeverity.total).toBe(6);
    expect(bySeverity.items.map((a) => a.alert_id)).toEqual(["a-5", "a-1", "a-3", "a-2"]);
    expect((await list("sort=severity&limit=4&offset=4")).items.map((a) => a.alert_id)).toEqual([
      "a-4",
      "a-0",
    ]);
    // Default order unchanged: newest first.
    expect((await list("limit=2")).items.map((a) => a.alert_id)).toEqual(["a-5", "a-4"]);
    const bad = await server.app.inject({ url: "/api/v1/alerts?sort=loudest", headers: auth });
    expect(bad.statusCode).toBe(400);
  });
});
