import type { AddressInfo } from "node:net";
import type { RouteOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPEN_ROUTE_GROUPS } from "../../src/config/schema.js";
import { SCOPES, type Scope } from "../../src/store/repos/tokens.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { type Answer, badCredentials, type CredentialCase, refusalProblem } from "./auth-matrix-cases.js";
import { HIDDEN_OPEN_ROUTES, OPEN_ROUTES } from "./open-routes.js";
import { inPool, type OpenApiDocument, type Operation, operationsOf } from "./openapi-operations.js";

/**
 * Issue 17's auth matrix over HTTP: every operation of the OpenAPI document (read from the running
 * server, so a new route is in it), called without a credential, with malformed, wrong and revoked
 * ones, and with a token of each scope. What each operation demands comes from the document's
 * `x-logwarden-auth`, which the server writes from the guard that enforces it (src/api/route-auth.ts).
 */

const HEALTH_TOKEN = "auth-matrix-health-token";
const M_AUTH_KEY = "auth-matrix-engine-key";
// The matrix sends a thousand requests from one address: budgets are not what it measures.
const UNLIMITED = "1000000/minute";
const ENV = {
  HEALTH_TOKEN,
  M_AUTH_KEY,
  RATE_LIMIT_PER_IP: UNLIMITED,
  RATE_LIMIT_PER_TOKEN: UNLIMITED,
  ANALYZE_RATE_LIMIT: UNLIMITED,
};

let server: TestServer;
let base: string;
const hiddenRoutes: RouteOptions[] = [];
let operations: Operation[];
/** A valid token per scope, created through the tokens API. */
const tokens = {} as Record<Scope, string>;
let revoked: string;
let requests = 0;

async function call(method: string, url: string, headers: Record<string, string>): Promise<Answer> {
  requests++;
  const res = await fetch(base + url, { method, headers, redirect: "manual" });
  const body = method === "HEAD" ? "" : await res.text();
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body };
}

async function createToken(name: string, scopes: Scope[]): Promise<{ id: number; token: string }> {
  const res = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ name, scopes }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; token: string };
}

beforeAll(async () => {
  server = await startTestServer(ENV, {
    app: { onRoute: (r) => (r.schema as { hide?: boolean } | undefined)?.hide && hiddenRoutes.push(r) },
  });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  for (const scope of SCOPES) tokens[scope] = (await createToken(`matrix ${scope}`, [scope])).token;
  const doomed = await createToken("matrix revoked", ["admin"]);
  const res = await fetch(`${base}/api/v1/tokens/${doomed.id}`, { method: "DELETE", headers: auth });
  expect(res.status).toBe(200);
  revoked = doomed.token;
  const doc = await fetch(`${base}/openapi.json`);
  expect(doc.status).toBe(200);
  operations = operationsOf((await doc.json()) as OpenApiDocument);
});

afterAll(async () => {
  const open = operations?.filter((op) => op.auth?.open).length;
  console.info(
    `[auth-matrix] REST: ${operations?.length} operations (${open} open, ${hiddenRoutes.length} hidden routes besides), ${requests} requests`,
  );
  await server?.close();
});

describe("auth matrix (REST, every operation of the OpenAPI document)", () => {
  it("classifies every operation from the server's own document and opens only the reviewed ones", () => {
    expect(operations.length).toBeGreaterThan(50);
    const problems: string[] = [];
    const keys = new Set(operations.map((op) => op.key));
    for (const op of operations) {
      if (!op.auth) problems.push(`${op.key}: the document does not say what credential it takes`);
      else if (op.auth.open && !OPEN_ROUTES[op.key])
        problems.push(`${op.key}: open, but not on the reviewed list`);
      else if (!op.auth.open && OPEN_ROUTES[op.key])
        problems.push(`${op.key}: on the open list, but needs a credential`);
      else if (!op.auth.open && !op.auth.scope)
        problems.push(`${op.key}: needs a credential but names no scope`);
    }
    for (const key of Object.keys(OPEN_ROUTES)) {
      if (!keys.has(key)) problems.push(`${key}: on the open list, but not in the document`);
    }
    expect(problems).toEqual([]);
  });

  it("answers 401 (JSON, no internals) to every missing, malformed, wrong or revoked credential", async () => {
    const problems: string[] = [];
    const cases = badCredentials(revoked);
    const calls: { op: Operation; method: string; c: CredentialCase }[] = [];
    for (const op of operations) {
      if (op.auth?.open) continue;
      for (const c of cases) {
        calls.push({ op, method: op.method, c });
        // Fastify answers HEAD for every GET: the same guard must hold there.
        if (op.method === "GET") calls.push({ op, method: "HEAD", c });
      }
    }
    await inPool(calls, 8, async ({ op, method, c }) => {
      const answer = await call(method, op.url, c.headers);
      const problem = refusalProblem(answer, c.refused ?? [401], method);
      if (problem) problems.push(`${method} ${op.key.split(" ")[1]} with ${c.name}: ${problem}`);
    });
    expect(problems).toEqual([]);
    expect(calls.length).toBeGreaterThan(600);
  });

  it("refuses a caller without a credential before reading, parsing or validating the body", async () => {
    // Regression: the guard ran as a preHandler, after validation, so an anonymous POST /api/v1/tokens
    // got 400 with the body's schema spelled out, and any body up to the limit was parsed first.
    const attempts: [string, string, string][] = [
      ["POST", "/api/v1/tokens", "{}"],
      ["POST", "/api/v1/tokens", "not json"],
      ["PATCH", "/api/v1/anomalies", JSON.stringify({ ids: "x".repeat(900_000) })],
      ["GET", "/api/v1/anomalies/not-a-number", ""],
    ];
    for (const [method, url, body] of attempts) {
      requests++;
      const res = await fetch(base + url, {
        method,
        headers: body ? { "content-type": "application/json" } : {},
        ...(body ? { body } : {}),
      });
      const text = await res.text();
      expect(res.status, `${method} ${url}`).toBe(401);
      expect(text).not.toMatch(/validation|expected|invalid request/i);
    }
  });

  it("answers 403 to a token without the scope, and never 401/403 to one with it", async () => {
    const problems: string[] = [];
    const calls: { op: Operation; scope: Scope }[] = [];
    for (const op of operations) for (const scope of SCOPES) if (!op.auth?.open) calls.push({ op, scope });
    await inPool(calls, 8, async ({ op, scope }) => {
      const needed = op.auth!.scope!;
      const answer = await call(op.method, op.url, { authorization: `Bearer ${tokens[scope]}` });
      const enough = scope === needed || scope === "admin";
      if (enough) {
        if (answer.status === 401 || answer.status === 403 || answer.status >= 500)
          problems.push(
            `${op.key} with a ${scope} token (needs ${needed}): ${answer.status} ${answer.body.slice(0, 200)}`,
          );
      } else {
        const problem = refusalProblem(answer, [403], op.method);
        if (problem) problems.push(`${op.key} with a ${scope} token (needs ${needed}): ${problem}`);
      }
    });
    expect(problems).toEqual([]);
  });

  it("takes HEALTH_TOKEN on system 000's route only, and M_AUTH_KEY on system 003's only", async () => {
    const problems: string[] = [];
    await inPool(
      operations.filter((op) => !op.auth?.open),
      8,
      async (op) => {
        const credentials = op.auth!.credentials;
        const health = await call(op.method, op.url, { authorization: `Bearer ${HEALTH_TOKEN}` });
        const healthOk = credentials.includes("health-token");
        if (healthOk ? health.status === 401 || health.status === 403 : health.status !== 401)
          problems.push(`${op.key} with HEALTH_TOKEN: ${health.status}`);
        const engine = await call(op.method, op.url, { "hasura-m-auth": M_AUTH_KEY });
        const engineOk = credentials.includes("hasura-m-auth");
        if (engineOk ? engine.status === 401 || engine.status === 403 : engine.status !== 401)
          problems.push(`${op.key} with hasura-m-auth: ${engine.status}`);
      },
    );
    expect(problems).toEqual([]);
    expect(
      operations.filter((op) => op.auth?.credentials.includes("health-token")).map((op) => op.key),
    ).toEqual(["GET /api/v1/anomalies"]);
  });

  it("serves the reviewed open operations without a credential, and fails closed where they check their own", async () => {
    const problems: string[] = [];
    for (const op of operations.filter((o) => o.auth?.open)) {
      const answer = await call(op.method, op.url, {});
      const expected = OPEN_ROUTES[op.key]!.anonymous;
      if (expected === "served" && (answer.status === 401 || answer.status === 403 || answer.status >= 500))
        problems.push(`${op.key}: ${answer.status}`);
      if (expected === "own-credential" && answer.status < 400)
        problems.push(`${op.key}: served anonymously`);
    }
    // The event stream's own credential: an unknown ticket is refused, a fresh one from a read token opens it.
    expect((await call("GET", "/api/v1/events?ticket=made-up", {})).status).toBe(401);
    const ticket = await fetch(`${base}/api/v1/events/ticket`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.read}` },
    });
    expect(ticket.status).toBe(201);
    const stream = await fetch(
      `${base}/api/v1/events?ticket=${((await ticket.json()) as { ticket: string }).ticket}`,
    );
    expect(stream.status).toBe(200);
    await stream.body?.cancel();
    expect(problems).toEqual([]);
  });

  it("guards every route left out of the document, or has it on the reviewed list", async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const route of hiddenRoutes) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter(
        (m) => m !== "HEAD" && m !== "OPTIONS",
      );
      for (const method of methods) {
        const key = `${method} ${route.url}`;
        const reviewed = HIDDEN_OPEN_ROUTES.find((h) => h.pattern.test(key));
        const url = route.url.replace(/:(\w+)/g, "auth-matrix").replace("*", "index.html");
        const answer = await call(method, url, {});
        checked++;
        if (reviewed && answer.status === 401) problems.push(`${key}: on the open list, but answers 401`);
        if (!reviewed) {
          const problem = refusalProblem(answer, [401], method);
          if (problem) problems.push(`${key}: not on the open list, and ${problem}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(10);
  });
});

describe("auth matrix with every OPEN_ROUTES group opened", () => {
  it("documents those operations as open and lets anonymous, wrong-token and low-scope callers in; nothing else", async () => {
    const opened = await startTestServer({ ...ENV, OPEN_ROUTES: OPEN_ROUTE_GROUPS.join(",") });
    try {
      const doc = (await opened.app.inject({ url: "/openapi.json" })).json() as OpenApiDocument;
      const lowScope: Record<string, string> = {};
      for (const scope of ["read", "ingest"] as const) {
        const res = await opened.app.inject({
          method: "POST",
          url: "/api/v1/tokens",
          headers: auth,
          payload: { name: `only ${scope}`, scopes: [scope] },
        });
        lowScope[scope === "read" ? "ingest" : "read"] = `Bearer ${res.json().token}`;
      }
      const problems: string[] = [];
      for (const op of operationsOf(doc)) {
        if (!op.auth || OPEN_ROUTES[op.key]) continue;
        const group = op.auth.open_group;
        if (op.auth.open !== (group !== null)) problems.push(`${op.key}: documented open=${op.auth.open}`);
        // A token without the scope: the read-only one where ingest is needed, else the ingest-only one.
        const low = lowScope[op.auth.scope === "ingest" ? "ingest" : "read"]!;
        for (const authorization of [undefined, "Bearer wrong-token", low]) {
          const res = await opened.app.inject({
            method: op.method as "GET",
            url: op.url,
            headers: authorization ? { authorization } : {},
          });
          const refused = res.statusCode === 401 || res.statusCode === 403;
          if (group !== null && refused)
            problems.push(`${op.key} (group ${group}) ${authorization ?? "anonymous"}: ${res.statusCode}`);
          if (group === null && authorization !== low && res.statusCode !== 401)
            problems.push(`${op.key} (no group) ${authorization ?? "anonymous"}: ${res.statusCode}`);
          if (group === null && authorization === low && res.statusCode !== 403)
            problems.push(`${op.key} (no group) with a token without ${op.auth.scope}: ${res.statusCode}`);
        }
      }
      expect(problems).toEqual([]);
    } finally {
      await opened.close();
    }
  });
});
