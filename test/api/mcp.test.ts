import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoUtc } from "../../src/core/time.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { allStoredRecords } from "../helpers/stored-logs.js";
import { call, textOf } from "../mcp/client.js";
import { bruteForceRecords, seedRealData } from "../mcp/seed.js";

let server: TestServer;
let url: URL;
let readToken: string;
let ingestToken: string;
const clients: Client[] = [];

async function connect(token?: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
  });
  const client = new Client({ name: "logwarden-http-test", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestServer({ THRESHOLD: "0.1" });
  await seedRealData(server.rt);
  const now = isoUtc(Date.now());
  readToken = (await createToken(server.rt.store.db, "assistant (read)", ["read"], now)).token;
  ingestToken = (await createToken(server.rt.store.db, "assistant (ingest)", ["read", "ingest"], now)).token;
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  url = new URL(`http://127.0.0.1:${port}/mcp`);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
});

describe("MCP over Streamable HTTP at /mcp", () => {
  it("needs a bearer token: none or an unknown one is 401 and the client cannot connect", async () => {
    await expect(connect()).rejects.toMatchObject({ code: 401, message: /a bearer token is required/ });
    await expect(connect("lw_not_a_token")).rejects.toMatchObject({
      code: 401,
      message: /the bearer token is not valid/,
    });
    const raw = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("serves the tools to a read token, and refuses the writing tools their missing scope", async () => {
    const client = await connect(readToken);
    expect(client.getServerVersion()?.name).toBe("log-anomaly-detection");
    const { tools } = await client.listTools();
    // Every tool stdio serves (test/mcp/stdio.test.ts names them), list_rules the last added.
    expect(tools).toHaveLength(15);
    expect(tools.map((t) => t.name)).toContain("list_rules");

    const found = await call(client, "search_anomalies", { limit: 3 });
    expect(found.isError, textOf(found)).toBeFalsy();
    const id = (found.structuredContent as { anomalies: { id: number }[] }).anomalies[0]!.id;

    // The REST list's kind and entity filters, from the same definition.
    type Found = { anomalies: { detector: string; key: string }[] };
    const security = (await call(client, "search_anomalies", { kind: "security", limit: 100 }))
      .structuredContent as Found;
    const operational = (await call(client, "search_anomalies", { kind: "operational", limit: 100 }))
      .structuredContent as Found;
    expect(security.anomalies.length).toBeGreaterThan(0);
    expect(operational.anomalies.length).toBeGreaterThan(0);
    expect(security.anomalies.map((a) => a.detector)).not.toContain("volume");
    expect(operational.anomalies.map((a) => a.detector)).not.toContain("brute_force");
    const key = security.anomalies[0]!.key;
    const byEntity = (await call(client, "search_anomalies", { entity: key, limit: 100 }))
      .structuredContent as Found;
    expect(byEntity.anomalies.length).toBeGreaterThan(0);
    expect(new Set(byEntity.anomalies.map((a) => a.key))).toEqual(new Set([key]));

    const verdict = await call(client, "submit_verdict", { anomaly_id: id, verdict: "true_positive" });
    expect(verdict.isError).toBe(true);
    expect(textOf(verdict)).toMatch(/submit_verdict needs a token with the 'admin' scope/);
    const unchanged = await call(client, "explain_anomaly", { id });
    expect((unchanged.structuredContent as { anomaly: { status: string } }).anomaly.status).toBe("open");

    const persist = await call(client, "analyze_logs", { log_data: "[]", persist: true });
    expect(persist.isError).toBe(true);
    expect(textOf(persist)).toMatch(/'ingest' scope/);
    const load = await call(client, "load_anomaly_models", {});
    expect(load.isError).toBe(true);
    expect(textOf(load)).toMatch(/'ingest' scope/);
  });

  it("an ingest token may persist analyses but not triage", async () => {
    const client = await connect(ingestToken);
    const before = (await allStoredRecords(server.rt.logs)).length;
    const persisted = await call(client, "analyze_logs", {
      log_data: JSON.stringify(bruteForceRecords()),
      persist: true,
    });
    expect(persisted.isError, textOf(persisted)).toBeFalsy();
    const after = (await allStoredRecords(server.rt.logs)).length;
    expect(after - before).toBe(12);
    const verdict = await call(client, "submit_verdict", { anomaly_id: 1, verdict: "benign" });
    expect(verdict.isError).toBe(true);
  });

  it("gives an admin token everything; analyze_logs equals POST /analyze; verdicts are audited with the token's name", async () => {
    const client = await connect(ADMIN_TOKEN);
    const logs = bruteForceRecords();
    const viaMcp = await call(client, "analyze_logs", { log_data: JSON.stringify(logs) });
    const viaRest = await server.app.inject({
      method: "POST",
      url: "/analyze",
      headers: auth,
      payload: { logs },
    });
    const strip = ({ analysis_time_ms: _t, ...rest }: Record<string, unknown>) => rest;
    expect(strip(viaMcp.structuredContent!)).toEqual(strip(viaRest.json()));
    expect((viaMcp.structuredContent as { anomalies_detected: number }).anomalies_detected).toBeGreaterThan(
      0,
    );

    const open = await call(client, "search_anomalies", { status: ["open"], limit: 1 });
    const id = (open.structuredContent as { anomalies: { id: number }[] }).anomalies[0]!.id;
    const verdict = await call(client, "submit_verdict", {
      anomaly_id: id,
      verdict: "true_positive",
      comment: "real",
    });
    expect(verdict.isError, textOf(verdict)).toBeFalsy();
    expect(verdict.structuredContent).toMatchObject({
      anomaly: { status: "acknowledged" },
      suppression: null,
    });
    const rest = await server.app.inject({ url: `/api/v1/anomalies/${id}`, headers: auth });
    expect(rest.json()).toMatchObject({ status: "acknowledged" });
    expect(rest.json().history.at(-1)).toMatchObject({ actor: "API_TOKEN", details: { comment: "real" } });
  });

  it("answers GET and DELETE with 405 (stateless), and validates the body", async () => {
    const headers = { authorization: `Bearer ${readToken}` };
    expect((await fetch(url, { headers })).status).toBe(405);
    expect((await fetch(url, { method: "DELETE", headers })).status).toBe(405);
    const bad = await fetch(url, {
      method: "POST",
      headers: {
        ...headers,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: "{not json",
    });
    expect(bad.status).toBe(400);
  });
});
