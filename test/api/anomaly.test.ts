import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { get, seed } from "./stored-anomalies.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("GET and PATCH /api/v1/anomalies/{id}", () => {
  it("shows explanation and evidence records, and audits a status change with the actor", async () => {
    server = await startTestServer({ ERROR_BURST_THRESHOLD: "3" });
    const logs = Array.from({ length: 4 }, (_, i) => ({
      timestamp: `2025-04-03T14:22:0${i}Z`,
      service: "auth",
      level: "ERROR",
      message: `invalid password for user${i}`,
    }));
    const ingest = await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: logs });
    expect(ingest.statusCode).toBe(200);
    const [listed] = (await get(server, "/api/v1/anomalies?agent_name=error_burst")).json();
    const res = await get(server, `/api/v1/anomalies/${listed.id}`);
    expect(res.statusCode).toBe(200);
    const a = res.json();
    expect(a).toMatchObject({ id: listed.id, detector: "error_burst", status: "open", service: "auth" });
    expect(a.explanation.summary).toMatch(/error-level records/);
    expect(a.evidence.length).toBeGreaterThanOrEqual(3);
    expect(a.evidence_records.map((r: { message: string }) => r.message)).toContain(
      "invalid password for user2",
    );

    const patched = await server.app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${listed.id}`,
      headers: auth,
      payload: { status: "false_positive", comment: "load test" },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ status: "false_positive" });
    expect(patched.json().history).toEqual([
      {
        at: expect.any(String),
        actor: "API_TOKEN",
        action: "anomaly.status",
        details: { from: "open", to: "false_positive", comment: "load test" },
      },
    ]);
    expect((await get(server, "/api/v1/anomalies?status=false_positive")).json()).toHaveLength(1);
  });

  it("validates: unknown status or field, bad id, missing anomaly, read-only token", async () => {
    server = await startTestServer();
    await seed(server, 1);
    const patch = (payload: unknown, url = "/api/v1/anomalies/1", headers = auth) =>
      server!.app.inject({ method: "PATCH", url, headers, payload: payload as object });
    expect((await patch({ status: "closed" })).statusCode).toBe(400);
    expect((await patch({ status: "resolved", assignee: "bob" })).statusCode).toBe(400);
    expect((await patch({})).statusCode).toBe(400);
    expect((await patch({ status: "resolved", comment: 5 })).statusCode).toBe(400);
    expect((await patch({ status: "resolved" }, "/api/v1/anomalies/0")).statusCode).toBe(400);
    expect((await patch({ status: "resolved" }, "/api/v1/anomalies/1;drop")).statusCode).toBe(400);
    expect((await patch({ status: "resolved" }, "/api/v1/anomalies/777")).statusCode).toBe(404);
    expect((await get(server, "/api/v1/anomalies/777")).json()).toMatchObject({ error: "not_found" });
    const { token } = (
      await server.app.inject({
        method: "POST",
        url: "/api/v1/tokens",
        headers: auth,
        payload: { name: "viewer", scopes: ["read"] },
      })
    ).json();
    const viewer = { authorization: `Bearer ${token}` };
    expect((await get(server, "/api/v1/anomalies/1", viewer)).statusCode).toBe(200);
    expect((await patch({ status: "resolved" }, "/api/v1/anomalies/1", viewer)).statusCode).toBe(403);
    expect((await get(server, "/api/v1/anomalies/1", {})).statusCode).toBe(401);
    const malformed = await server.app.inject({
      method: "PATCH",
      url: "/api/v1/anomalies/1",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{status:",
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe("invalid_json");
    expect((await get(server, "/api/v1/anomalies/1")).json().status).toBe("open");
  });
});
