import { afterEach, describe, expect, it } from "vitest";
import { insertAlerts } from "../../src/store/repos/alerts.js";
import { insertIncident } from "../../src/store/repos/incidents.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const NOW = "2025-03-02T09:00:00.000Z";

async function seedAlerts(s: TestServer, ids: string[]): Promise<void> {
  await insertAlerts(
    s.rt.store.db,
    ids.map((alert_id) => ({
      alert: {
        alert_id,
        source_ip: "45.33.32.156",
        target_ip: null,
        file_hash: null,
        url: null,
        asset_id: null,
        user_id: "root",
        severity: "high" as const,
        format: "contract" as const,
        raw: { alert_id },
      },
      ruleName: "SSH brute force",
    })),
    NOW,
  );
}

async function seedIncidents(s: TestServer, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    const inc = await insertIncident(s.rt.store.db, {
      detectedAt: new Date(Date.UTC(2025, 2, 2, 8, i)).toISOString(),
      service: "auth",
      severity: "high",
      summary: `auth score above threshold ${i}`,
      features: { i },
    });
    ids.push(inc.id);
  }
  return ids;
}

const patch = (s: TestServer, url: string, payload: unknown, headers: Record<string, string> = auth) =>
  s.app.inject({ method: "PATCH", url, headers, payload: payload as Record<string, unknown> });

const auditOf = (s: TestServer, target: string) =>
  s.rt.store.db.selectFrom("audit_logs").selectAll().where("target", "=", target).execute();

describe("PATCH /api/v1/alerts (bulk review status)", () => {
  it("acknowledges the named alerts, one audit entry each, and the list shows and filters it", async () => {
    server = await startTestServer();
    await seedAlerts(server, ["a-1", "a-2", "a-3"]);
    const res = await patch(server, "/api/v1/alerts", {
      ids: ["a-1", "a-2", "a-2", "nope"],
      status: "acknowledged",
      comment: "looking into it",
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "acknowledged", updated: ["a-1", "a-2"], not_found: ["nope"] });

    const list = (await server.app.inject({ url: "/api/v1/alerts?limit=10", headers: auth })).json();
    const review = Object.fromEntries(
      list.items.map((a: { alert_id: string; review_status: string }) => [a.alert_id, a.review_status]),
    );
    expect(review).toEqual({ "a-1": "acknowledged", "a-2": "acknowledged", "a-3": "open" });
    // The pipeline's status is untouched: acknowledging is not a stage.
    expect(list.items.every((a: { status: string }) => a.status === "received")).toBe(true);
    const open = (
      await server.app.inject({ url: "/api/v1/alerts?review_status=open", headers: auth })
    ).json();
    expect(open.items.map((a: { alert_id: string }) => a.alert_id)).toEqual(["a-3"]);

    const audit = await auditOf(server, "alert:a-1");
    expect(audit).toHaveLength(1);
    expect(audit[0]!.action).toBe("alert.review");
    expect(JSON.parse(audit[0]!.details)).toEqual({
      from: "open",
      to: "acknowledged",
      comment: "looking into it",
    });
  });

  it("needs admin, a bulk status and 1 to 500 ids; errors are JSON without a stack", async () => {
    server = await startTestServer();
    await seedAlerts(server, ["a-1"]);
    const read = await createToken(server.rt.store.db, "reader", ["read"], new Date().toISOString());
    const asReader = await patch(
      server,
      "/api/v1/alerts",
      { ids: ["a-1"], status: "resolved" },
      { authorization: `Bearer ${read.token}` },
    );
    expect(asReader.statusCode).toBe(403);
    for (const payload of [
      { ids: [], status: "resolved" },
      { ids: ["a-1"], status: "triaged" },
      { ids: Array.from({ length: 501 }, (_, i) => `x${i}`), status: "resolved" },
      { ids: ["a-1"], status: "resolved", extra: 1 },
    ]) {
      const r = await patch(server, "/api/v1/alerts", payload);
      expect(r.statusCode, JSON.stringify(payload).slice(0, 80)).toBe(400);
      expect(r.json()).toHaveProperty("error");
      expect(r.body).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});

describe("PATCH /api/v1/incidents (bulk status)", () => {
  it("resolves operational incidents (system 004's), audited like the single route", async () => {
    server = await startTestServer();
    const ids = await seedIncidents(server, 3);
    const res = await patch(server, "/api/v1/incidents", { ids: [ids[0], ids[2], 9999], status: "resolved" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "resolved", updated: [ids[0], ids[2]], not_found: [9999] });
    const listed = (await server.app.inject({ url: "/incidents", headers: auth })).json();
    const byId = Object.fromEntries(listed.map((i: { id: number; status: string }) => [i.id, i.status]));
    expect(byId).toEqual({ [ids[0]!]: "resolved", [ids[1]!]: "open", [ids[2]!]: "resolved" });
    const audit = await auditOf(server, `incident:${ids[2]}`);
    expect(audit.map((a) => a.action)).toEqual(["incident.status"]);
    expect(JSON.parse(audit[0]!.details)).toEqual({ from: "open", to: "resolved", comment: null });
  });

  it("is in /openapi.json with its body schema", async () => {
    server = await startTestServer();
    const doc = (await server.app.inject({ url: "/openapi.json", headers: auth })).json();
    for (const path of ["/api/v1/incidents", "/api/v1/alerts"]) {
      const body = doc.paths[path].patch.requestBody.content["application/json"].schema;
      expect(body.required).toEqual(expect.arrayContaining(["ids", "status"]));
    }
  });
});

describe("GET /incidents?with_total=true", () => {
  it("adds X-Total-Count and keeps system 004's bare array; plain requests do not count", async () => {
    server = await startTestServer();
    await seedIncidents(server, 7);
    const page = await server.app.inject({
      url: "/incidents?limit=3&offset=3&with_total=true",
      headers: auth,
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers["x-total-count"]).toBe("7");
    expect(Array.isArray(page.json())).toBe(true);
    expect(page.json()).toHaveLength(3);
    const plain = await server.app.inject({ url: "/incidents?limit=3", headers: auth });
    expect(plain.headers["x-total-count"]).toBeUndefined();
    const bad = await server.app.inject({ url: "/incidents?with_total=yes", headers: auth });
    expect(bad.statusCode).toBe(400);
  });
});
