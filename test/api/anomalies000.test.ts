import { afterEach, describe, expect, it } from "vitest";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { wifiAnomaly } from "../helpers/samples.js";

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
