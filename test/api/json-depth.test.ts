import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "../../src/core/json.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

/**
 * Regression (hostile-input fuzz, seed 1717): a body nesting 10,000 levels passed JSON.parse, then overflowed
 * the stack in whatever walked it (JSON.stringify on the way to the store, flattening): 500 from POST /ingest,
 * /analyze, /analyze/{query_id}, /api/v1/alerts and PUT /api/v1/assets/{id}. Every JSON door now refuses
 * nesting past MAX_JSON_DEPTH as invalid JSON, before the value is walked.
 */

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
const DEEP = nested(10_000);
const json = { ...auth, "content-type": "application/json" };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function storedLogs(): Promise<number> {
  const res = await server.app.inject({ url: "/api/v1/logs?limit=1000", headers: auth });
  expect(res.statusCode).toBe(200);
  return (res.json() as unknown[]).length;
}

describe("JSON nested past MAX_JSON_DEPTH", () => {
  it("counts depth outside strings only", () => {
    expect(nestsDeeperThan("[[1]]", 2)).toBe(false);
    expect(nestsDeeperThan("[[[1]]]", 2)).toBe(true);
    expect(nestsDeeperThan('["[[[[", "{{{{", "\\"[[[["]', 2)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it("is a 4xx invalid_json on every JSON door, and nothing is stored", async () => {
    const before = await storedLogs();
    const log = (metadata: string) =>
      `{"timestamp":"2026-01-05T10:00:00Z","service":"auth","message":"deep","metadata":${metadata}}`;
    const doors: [string, string, Record<string, string>, string, number][] = [
      ["POST", "/ingest", json, `[${log(DEEP)}]`, 400],
      ["POST", "/ingest", { ...auth, "content-type": "application/x-ndjson" }, log(DEEP), 400],
      ["POST", "/analyze", json, `{"logs":[{"user":"a","extra":${DEEP}}]}`, 422],
      ["POST", "/api/v1/alerts", json, `[{"alert_id":"deep-1","severity":"high","raw":${DEEP}}]`, 400],
      ["PUT", "/api/v1/assets/web-1", json, `{"hostname":"web-1","attributes":${DEEP}}`, 400],
      ["PUT", "/api/v1/users/alice", json, `{"name":"Alice","attributes":${DEEP}}`, 400],
      ["POST", "/analyze/q1", json, DEEP, 400],
      ["POST", "/v1/logs", json, `{"resourceLogs":${`[${DEEP}]`}}`, 400],
    ];
    for (const [method, url, headers, payload, status] of doors) {
      const res = await server.app.inject({ method: method as "POST", url, headers, payload });
      expect(res.statusCode, `${method} ${url}`).toBe(status);
      expect(res.body, `${method} ${url}`).toMatch(/nested deeper than 128 levels/);
    }
    // System 003's door answers its contract's 400 for a body it cannot read (contracts §4.3).
    const hasura = await server.app.inject({
      method: "POST",
      url: "/anomalies",
      headers: { ...json, "x-hasura-role": "user" },
      payload: `{"rawRequest":{"query":"{ a }","variables":{},"operationName":null},"response":{"data":${DEEP}}}`,
    });
    expect(hasura.statusCode).toBe(400);
    expect(hasura.json().error).toBe("Invalid request format");
    expect(await storedLogs()).toBe(before);
  });

  it("still takes a body nested to the limit", async () => {
    // The array and the log object are two levels; the metadata fills the rest.
    const metadata = nested(MAX_JSON_DEPTH - 2);
    const before = await storedLogs();
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: json,
      payload: `[{"timestamp":"2026-01-05T10:00:00Z","service":"auth","message":"deep","metadata":${metadata}}]`,
    });
    expect(res.statusCode).toBeLessThan(300);
    expect(await storedLogs()).toBe(before + 1);
  });
});
