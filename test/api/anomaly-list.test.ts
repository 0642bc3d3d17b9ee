import { afterEach, describe, expect, it } from "vitest";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { wifiAnomaly } from "../helpers/samples.js";
import { anomaly, get, seed } from "./stored-anomalies.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const wifi = (i: number, timestamp: string) => wifiAnomaly({ key: `dev-${i}`, timestamp, evidence: [] });

describe("system 000: GET /api/v1/anomalies", () => {
  it("needs exactly Bearer HEALTH_TOKEN and returns the contract's bare array", async () => {
    server = await startTestServer({ HEALTH_TOKEN: "health-secret" });
    await storeAnomalies(
      server.rt.store.db,
      [wifi(1, "2025-03-02T08:15:00.000Z"), wifi(2, "2025-03-02T09:15:00.000Z")],
      "2025-03-02T09:16:00.000Z",
    );
    await storeAnomalies(
      server.rt.store.db,
      [{ ...wifi(3, "2025-03-02T07:00:00.000Z"), detector: "error_burst" }],
      "2025-03-02T09:16:00.000Z",
    );
    expect((await server.app.inject({ url: "/api/v1/anomalies" })).statusCode).toBe(401);
    expect((await server.app.inject({ url: "/api/v1/anomalies" })).json().error).toBe("Unauthorized");
    expect(
      (await server.app.inject({ url: "/api/v1/anomalies", headers: { authorization: "health-secret" } }))
        .statusCode,
    ).toBe(401);
    const res = await server.app.inject({
      url: "/api/v1/anomalies?agent_name=wifi",
      headers: { authorization: "Bearer health-secret" },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toHaveLength(2);
    expect(Object.keys(body[0]).sort()).toEqual(
      [
        "agent_name",
        "anomaly_type",
        "confidence",
        "created_at",
        "description",
        "device_id",
        "features",
        "id",
        "timestamp",
      ].sort(),
    );
    expect(body[0]).toMatchObject({
      timestamp: "2025-03-02T09:15:00",
      agent_name: "wifi",
      device_id: null,
      confidence: 0.97,
    });
    expect(body[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(body[0].features).toEqual({ log_count: 420, disassociation_events: 12 });
    const all = await server.app.inject({
      url: "/api/v1/anomalies?limit=1&offset=1",
      headers: { authorization: "Bearer health-secret" },
    });
    expect(all.json()).toHaveLength(1);
    expect(all.json()[0].timestamp).toBe("2025-03-02T08:15:00");
  });

  it("answers 400 for a non-integer or negative limit/offset", async () => {
    server = await startTestServer({ HEALTH_TOKEN: "h" });
    for (const q of ["limit=abc", "limit=-1", "offset=1.5", "offset=-3"]) {
      const res = await server.app.inject({
        url: `/api/v1/anomalies?${q}`,
        headers: { authorization: "Bearer h" },
      });
      expect(res.statusCode, q).toBe(400);
      expect(typeof res.json().error).toBe("string");
    }
  });

  it("refuses everything when HEALTH_TOKEN is unset and no token is given", async () => {
    server = await startTestServer();
    expect(
      (await server.app.inject({ url: "/api/v1/anomalies", headers: { authorization: "Bearer " } }))
        .statusCode,
    ).toBe(401);
  });
});

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
