import { afterAll, describe, expect, it } from "vitest";
import { MAX_ROW_ID } from "../../src/api/schemas.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { createTestSchema, dropTestSchemas, postgresAvailable } from "../helpers/stores.js";

/**
 * Regression (the hostile-input fuzz's ids sent to a PostgreSQL-backed server): row ids are PostgreSQL
 * `serial` (at most 2,147,483,647), but a path or body id of up to 15 digits was passed to the query, where
 * PostgreSQL refused it ("value … is out of range for type integer") and the request answered 500. Ids past
 * the range are now a 400 on both stores; the largest valid id is still looked up (404 when absent).
 */

const TOO_BIG = String(MAX_ROW_ID + 1);
const REQUESTS: [string, string, unknown?][] = [
  ["GET", `/api/v1/anomalies/${TOO_BIG}`],
  ["PATCH", `/api/v1/anomalies/${TOO_BIG}`, { status: "resolved" }],
  ["GET", `/api/v1/logs/${TOO_BIG}/context`],
  ["GET", `/api/v1/incidents/${TOO_BIG}`],
  ["PATCH", `/api/v1/incidents/${TOO_BIG}`, { status: "resolved" }],
  ["DELETE", `/api/v1/suppressions/${TOO_BIG}`],
  ["DELETE", `/api/v1/tokens/${TOO_BIG}`],
  ["POST", `/api/v1/remediation-actions/${TOO_BIG}/approve`, {}],
  ["GET", `/api/v1/remediation-actions?incident_id=${TOO_BIG}`],
  ["GET", `/api/v1/anomaly-briefs?ids=1,${TOO_BIG}`],
  ["PATCH", "/api/v1/anomalies", { ids: [Number(TOO_BIG)], status: "resolved" }],
  ["PATCH", "/api/v1/incidents", { ids: [Number(TOO_BIG)], status: "resolved" }],
];

const stores: { name: string; env: () => Promise<Record<string, string> | null> }[] = [
  { name: "SQLite", env: async () => ({}) },
  {
    name: "PostgreSQL",
    env: async () => {
      if (!(await postgresAvailable())) return null;
      return { DATABASE_URL: (await createTestSchema(schema)).toString() };
    },
  },
];
const schema = `t_ids_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

let server: TestServer | undefined;
afterAll(async () => {
  if (await postgresAvailable()) await dropTestSchemas(schema);
});

describe.each(stores)("ids past PostgreSQL's serial range on $name", ({ env }) => {
  it("answer 400, and the largest valid id is looked up", async ({ skip }) => {
    const vars = await env();
    if (!vars) return skip();
    server = await startTestServer(vars);
    try {
      for (const [method, url, payload] of REQUESTS) {
        const res = await server.app.inject({
          method: method as "GET",
          url,
          headers: auth,
          ...(payload === undefined ? {} : { payload: payload as object }),
        });
        expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
      }
      const largest = await server.app.inject({ url: `/api/v1/anomalies/${MAX_ROW_ID}`, headers: auth });
      expect(largest.statusCode).toBe(404);
    } finally {
      await server.close();
    }
  });
});
