import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

const SHIPPED = fileURLToPath(new URL("../../rules", import.meta.url));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Listing {
  enabled: boolean;
  rules: {
    id: string;
    title: string;
    kind: string;
    standalone: boolean;
    hits: number;
    last_match: string | null;
  }[];
  refused: unknown[];
}

describe("GET /api/v1/rules", () => {
  it("lists the loaded Sigma rules with their hits after ingest, and finds by search", async () => {
    server = await startTestServer({ SIGMA_RULES_DIR: SHIPPED });
    const lines = Array.from({ length: 10 }, (_, i) => ({
      timestamp: new Date(Date.UTC(2026, 2, 3, 12, 0, i)).toISOString(),
      service: "sshd",
      host: "web1",
      message: `Failed password for root from 203.0.113.9 port ${4000 + i} ssh2`,
    }));
    const ingested = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: lines,
    });
    expect(ingested.statusCode, ingested.body).toBeLessThan(300);

    const res = await server.app.inject({ url: "/api/v1/rules", headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    const listing = res.json() as Listing;
    expect(listing.enabled).toBe(true);
    expect(listing.refused).toEqual([]);
    const byTitle = new Map(listing.rules.map((r) => [r.title, r]));
    expect(byTitle.get("Failed Login (Linux authentication)")).toMatchObject({
      kind: "detection",
      standalone: false,
      hits: 10,
    });
    expect(byTitle.get("Brute Force Against One Account")).toMatchObject({
      kind: "correlation",
      standalone: true,
      hits: 1,
      last_match: "2026-03-03T12:00:09.000Z",
    });

    // The correlation's finding is stored like any other.
    const anomalies = await server.app.inject({ url: "/api/v1/anomalies?detector=sigma", headers: auth });
    expect(anomalies.statusCode, anomalies.body).toBe(200);
    expect(anomalies.body).toContain("Brute Force Against One Account");

    const search = (
      await server.app.inject({ url: "/api/v1/rules?search=t1110.003", headers: auth })
    ).json() as Listing;
    expect(search.rules.map((r) => r.title)).toEqual(["Password Spraying From One Address"]);
  });

  it("says it is off without SIGMA_RULES_DIR", async () => {
    server = await startTestServer();
    const listing = (await server.app.inject({ url: "/api/v1/rules", headers: auth })).json() as Listing;
    expect(listing).toEqual({ enabled: false, rules: [], refused: [] });
  });
});
