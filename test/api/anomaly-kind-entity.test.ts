import { afterEach, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function anomaly(detector: string, key: string, second: number): Anomaly {
  return {
    detector,
    type: detector,
    timestamp: new Date(Date.UTC(2025, 2, 2, 8, 0, second)).toISOString(),
    service: "sshd",
    key,
    score: 0.7,
    severity: "high",
    description: `${detector} on ${key}`,
    features: {},
    explanation: { summary: detector, observed: {}, expected: {} },
    evidence: [],
  };
}

/** Volume rows outnumber the security findings, as they do on a real server. */
async function seed(s: TestServer): Promise<void> {
  await storeAnomalies(
    s.rt.store.db,
    [
      anomaly("volume", "service:sshd", 1),
      anomaly("volume", "service:web", 2),
      anomaly("error_burst", "service:sshd", 3),
      anomaly("brute_force", "ip:1.2.3.4", 4),
      anomaly("password_spraying", "ip:1.2.3.4", 5),
      anomaly("new_source_ip", "user:root", 6),
      anomaly("some_outside_agent", "ip:1.2.3.4", 7),
    ],
    "2025-03-02T09:00:00.000Z",
  );
}

const list = async (s: TestServer, query: string) => {
  const res = await s.app.inject({ url: `/api/v1/anomalies?${query}`, headers: auth });
  expect(res.statusCode).toBe(200);
  const body = res.json() as { agent_name: string }[];
  return { names: body.map((r) => r.agent_name).sort(), total: res.headers["x-total-count"] };
};

describe("GET /api/v1/anomalies?kind=…&entity=…", () => {
  it("kind=security keeps only the registry's security detectors; operational keeps the rest", async () => {
    server = await startTestServer();
    await seed(server);
    expect(await list(server, "kind=security&with_total=true")).toEqual({
      names: ["brute_force", "new_source_ip", "password_spraying"],
      total: "3",
    });
    expect(await list(server, "kind=operational&with_total=true")).toEqual({
      names: ["error_burst", "some_outside_agent", "volume", "volume"],
      total: "4",
    });
  });

  it("entity matches the detector key exactly, alone or with kind", async () => {
    server = await startTestServer();
    await seed(server);
    expect((await list(server, "entity=ip:1.2.3.4")).names).toEqual([
      "brute_force",
      "password_spraying",
      "some_outside_agent",
    ]);
    // Exact: a prefix of a key is not that key.
    expect((await list(server, "entity=ip:1.2.3")).names).toEqual([]);
    expect((await list(server, "entity=ip:1.2.3.4&kind=security&with_total=true")).total).toBe("2");
  });

  it("refuses an unknown kind with a JSON 400", async () => {
    server = await startTestServer();
    const res = await server.app.inject({ url: "/api/v1/anomalies?kind=noise", headers: auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });
});
