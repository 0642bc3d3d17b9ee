import { afterEach, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import type { Severity } from "../../src/core/severity.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const SEV: Severity[] = ["low", "medium", "high", "critical"];

function anomaly(i: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    detector: i % 2 ? "wifi" : "error_burst",
    type: i % 2 ? "wifi_anomaly" : "error_burst",
    // Pairs share a timestamp, so the id tie-break is exercised.
    timestamp: new Date(Date.UTC(2025, 2, 2, 8, 0, Math.floor(i / 2))).toISOString(),
    service: i % 3 ? "auth" : "web",
    key: `user-${i}`,
    score: 0.5 + (i % 5) / 10,
    severity: SEV[i % 4]!,
    description: `event ${i} from 10.0.0.${i}`,
    features: { i },
    explanation: { summary: `event ${i}`, observed: { i }, expected: {} },
    evidence: [],
    ...over,
  };
}

async function seed(s: TestServer, n: number): Promise<void> {
  await storeAnomalies(
    s.rt.store.db,
    Array.from({ length: n }, (_, i) => anomaly(i)),
    "2025-03-02T09:00:00.000Z",
  );
}

const get = (s: TestServer, url: string, headers: Record<string, string> = auth) =>
  s.app.inject({ url, headers });

describe("GET /api/v1/anomalies: filters and cursor pages", () => {
  it("walks every row exactly once by cursor, newest first, with Link and X-Next-Cursor", async () => {
    server = await startTestServer();
    await seed(server, 23);
    const all = (await get(server, "/api/v1/anomalies?limit=1000")).json();
    expect(all).toHaveLength(23);
    const seen: number[] = [];
    let url = "/api/v1/anomalies?limit=5";
    for (let page = 0; page < 10; page++) {
      const res = await get(server, url);
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().map((a: { id: number }) => a.id));
      const next = res.headers["x-next-cursor"];
      if (!next) break;
      expect(res.headers.link).toBe(`</api/v1/anomalies?limit=5&cursor=${next}>; rel="next"`);
      url = `/api/v1/anomalies?limit=5&cursor=${next}`;
    }
    expect(seen).toEqual(all.map((a: { id: number }) => a.id));
    // Newest first; equal timestamps by higher id.
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [all[i - 1], all[i]];
      expect(a.timestamp > b.timestamp || (a.timestamp === b.timestamp && a.id > b.id)).toBe(true);
    }
    expect(all[1].timestamp).toBe(all[2].timestamp);
  });

  it("filters by since, until, severity, status, service, agent_name and text", async () => {
    server = await startTestServer();
    await seed(server, 20);
    const ids = async (q: string) =>
      (await get(server!, `/api/v1/anomalies?limit=100&${q}`))
        .json()
        .map((a: { id: number }) => a.id)
        .sort((a: number, b: number) => a - b);
    expect(await ids("severity=critical")).toEqual([4, 8, 12, 16, 20]);
    expect(await ids("severity=low,critical")).toEqual([1, 4, 5, 8, 9, 12, 13, 16, 17, 20]);
    expect(await ids("agent_name=wifi&service=web")).toEqual([4, 10, 16]);
    expect(await ids("since=2025-03-02T08:00:08Z&until=2025-03-02T09:00:09%2B01:00")).toEqual([17, 18]);
    expect(await ids("q=10.0.0.1")).toEqual([2, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(await ids("q=USER-7")).toEqual([8]);
    expect(await ids("status=open")).toHaveLength(20);
    expect(await ids("status=resolved")).toEqual([]);
    // Empty agent_name means no filter (contracts §1.4).
    expect(await ids("agent_name=")).toHaveLength(20);
  });

  it("matches SQL metacharacters and very long strings literally, changing nothing", async () => {
    server = await startTestServer();
    await seed(server, 5);
    const nasty = [
      "' OR '1'='1",
      "x'; DROP TABLE anomalies; --",
      '" OR 1=1 --',
      "%",
      "_",
      "\\",
      "%' --",
      "a".repeat(5000),
      "🙂\u0000",
    ];
    for (const value of nasty) {
      for (const key of ["agent_name", "service", "q"]) {
        const res = await get(server, `/api/v1/anomalies?${key}=${encodeURIComponent(value)}`);
        expect(res.statusCode, `${key}=${value.slice(0, 20)}`).toBe(200);
        expect(res.json(), `${key}=${value.slice(0, 20)}`).toEqual([]);
      }
      for (const key of ["since", "until", "severity", "status", "cursor", "limit", "offset"]) {
        const res = await get(server, `/api/v1/anomalies?${key}=${encodeURIComponent(value)}`);
        expect(res.statusCode, `${key}=${value.slice(0, 20)}`).toBe(400);
        expect(res.body).not.toMatch(/sqlite|SELECT| {4}at /i);
      }
    }
    await storeAnomalies(
      server.rt.store.db,
      [anomaly(99, { description: "100% of 'x'_y" })],
      "2025-03-02T09:00:00.000Z",
    );
    // `%` and `_` are literal in q: only the row that has them.
    expect((await get(server, "/api/v1/anomalies?q=100%25")).json()).toHaveLength(1);
    expect((await get(server, "/api/v1/anomalies?q='x'_y")).json()).toHaveLength(1);
    expect((await get(server, "/api/v1/anomalies?limit=1000")).json()).toHaveLength(6);
  });

  it("clamps a huge limit, refuses a negative offset, and cursor with offset", async () => {
    server = await startTestServer();
    await seed(server, 3);
    expect((await get(server, "/api/v1/anomalies?limit=99999999999999999999999")).json()).toHaveLength(3);
    expect((await get(server, "/api/v1/anomalies?offset=-1")).statusCode).toBe(400);
    const first = await get(server, "/api/v1/anomalies?limit=1");
    const both = await get(server, `/api/v1/anomalies?offset=1&cursor=${first.headers["x-next-cursor"]}`);
    expect(both.statusCode).toBe(400);
    expect(both.json().message).toMatch(/cursor or offset/);
    expect((await get(server, "/api/v1/anomalies?cursor=bm9wZQ")).statusCode).toBe(400);
    // A page that is not full has no next cursor.
    expect((await get(server, "/api/v1/anomalies?limit=10")).headers["x-next-cursor"]).toBeUndefined();
  });
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
