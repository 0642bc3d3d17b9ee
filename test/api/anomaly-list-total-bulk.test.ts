import { afterEach, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import type { Severity } from "../../src/core/severity.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SEV: Severity[] = ["low", "medium", "high", "critical"];

function anomaly(i: number): Anomaly {
  return {
    detector: "error_burst",
    type: "error_burst",
    timestamp: new Date(Date.UTC(2025, 2, 2, 8, 0, i)).toISOString(),
    service: i % 2 ? "auth" : "web",
    key: `user-${i}`,
    score: 0.6,
    severity: SEV[i % 4]!,
    description: `burst ${i}`,
    features: { i },
    explanation: { summary: `burst ${i}`, observed: { i }, expected: {} },
    evidence: [],
  };
}

async function seed(s: TestServer, n: number): Promise<number[]> {
  await storeAnomalies(
    s.rt.store.db,
    Array.from({ length: n }, (_, i) => anomaly(i)),
    "2025-03-02T09:00:00.000Z",
  );
  const rows = (await s.app.inject({ url: "/api/v1/anomalies?limit=1000", headers: auth })).json();
  return rows.map((r: { id: number }) => r.id);
}

describe("GET /api/v1/anomalies?with_total=true", () => {
  it("says how many match the filters in X-Total-Count, on every page, and only when asked", async () => {
    server = await startTestServer();
    await seed(server, 43);
    const plain = await server.app.inject({ url: "/api/v1/anomalies?limit=10", headers: auth });
    expect(plain.headers["x-total-count"]).toBeUndefined();

    const first = await server.app.inject({
      url: "/api/v1/anomalies?limit=10&with_total=true",
      headers: auth,
    });
    expect(first.headers["x-total-count"]).toBe("43");
    expect(first.json()).toHaveLength(10);
    // The body stays system 000's bare array.
    expect(Array.isArray(first.json())).toBe(true);
    const third = await server.app.inject({
      url: "/api/v1/anomalies?limit=10&offset=20&with_total=true",
      headers: auth,
    });
    expect(third.headers["x-total-count"]).toBe("43");

    // 43 rows: i % 4 === 3 for 3, 7, …, 39 → 10 critical; of them odd i (all) are service auth.
    const critical = await server.app.inject({
      url: "/api/v1/anomalies?limit=5&severity=critical&with_total=true",
      headers: auth,
    });
    expect(critical.headers["x-total-count"]).toBe("10");
    expect(critical.json()).toHaveLength(5);
    const web = await server.app.inject({
      url: "/api/v1/anomalies?limit=5&service=web&severity=low,high&with_total=true",
      headers: auth,
    });
    expect(web.headers["x-total-count"]).toBe("22");
  });

  it("refuses a with_total that is not true or false", async () => {
    server = await startTestServer();
    const res = await server.app.inject({ url: "/api/v1/anomalies?with_total=yes", headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBeDefined();
  });
});

describe("PATCH /api/v1/anomalies (bulk status)", () => {
  it("acknowledges many anomalies at once, audits each, and reports the ids it did not find", async () => {
    server = await startTestServer();
    const ids = await seed(server, 6);
    const chosen = ids.slice(0, 3);
    const res = await server.app.inject({
      method: "PATCH",
      url: "/api/v1/anomalies",
      headers: auth,
      payload: { ids: [...chosen, chosen[0], 999_999], status: "acknowledged", comment: "on it" },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: "acknowledged", updated: chosen, not_found: [999_999] });

    const acked = await server.app.inject({
      url: "/api/v1/anomalies?status=acknowledged&with_total=true",
      headers: auth,
    });
    expect(acked.headers["x-total-count"]).toBe("3");
    expect(
      acked
        .json()
        .map((a: { id: number }) => a.id)
        .sort(),
    ).toEqual([...chosen].sort());

    const detail = (await server.app.inject({ url: `/api/v1/anomalies/${chosen[1]}`, headers: auth })).json();
    expect(detail.status).toBe("acknowledged");
    expect(detail.history).toEqual([
      expect.objectContaining({
        action: "anomaly.status",
        details: { from: "open", to: "acknowledged", comment: "on it" },
      }),
    ]);
  });

  it("counts a bulk resolve as true positives in the detector's precision", async () => {
    server = await startTestServer();
    const ids = await seed(server, 4);
    const res = await server.app.inject({
      method: "PATCH",
      url: "/api/v1/anomalies",
      headers: auth,
      payload: { ids, status: "resolved" },
    });
    expect(res.json().updated).toEqual(ids);
    const stats = (await server.app.inject({ url: "/stats", headers: auth })).json();
    expect(stats.detector_precision).toContainEqual(
      expect.objectContaining({ detector: "error_burst", true_positives: 4, false_positives: 0 }),
    );
  });

  it("needs admin, a known status (not false_positive) and 1 to 500 ids", async () => {
    server = await startTestServer();
    const ids = await seed(server, 2);
    const read = await createToken(server.rt.store.db, "reader", ["read"], new Date().toISOString());
    const asReader = await server.app.inject({
      method: "PATCH",
      url: "/api/v1/anomalies",
      headers: { authorization: `Bearer ${read.token}` },
      payload: { ids, status: "acknowledged" },
    });
    expect(asReader.statusCode).toBe(403);
    const bad = async (payload: Record<string, unknown>) => {
      const r = await server!.app.inject({
        method: "PATCH",
        url: "/api/v1/anomalies",
        headers: auth,
        payload,
      });
      expect(r.statusCode, JSON.stringify(payload)).toBe(400);
      expect(r.json()).toHaveProperty("error");
      expect(r.body).not.toMatch(/at .*\.ts:\d+/);
    };
    await bad({ ids, status: "false_positive" });
    await bad({ ids: [], status: "resolved" });
    await bad({ ids: Array.from({ length: 501 }, (_, i) => i + 1), status: "resolved" });
    await bad({ ids: ["1"], status: "resolved" });
    await bad({ ids, status: "resolved", extra: true });
    // Nothing changed.
    const open = await server.app.inject({
      url: "/api/v1/anomalies?status=open&with_total=true",
      headers: auth,
    });
    expect(open.headers["x-total-count"]).toBe("2");
  });
});
