import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoUtc } from "../../src/core/time.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { runCli } from "../helpers/cli.js";
import { ADMIN_TOKEN, startTestServer, type TestServer } from "../helpers/runtime.js";
import { call, textOf } from "./client.js";
import { bruteForceRecords } from "./seed.js";

let server: TestServer;
let url: URL;
let readToken: string;
const clients: Client[] = [];

async function connect(token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(url, {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "logwarden-suppressions-test", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  server = await startTestServer({ BRUTE_FORCE_THRESHOLD: "5" });
  readToken = (await createToken(server.rt.store.db, "assistant (read)", ["read"], isoUtc(Date.now()))).token;
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address();
  url = new URL(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp`);
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
});

describe("suppressions over MCP and the CLI", () => {
  it("submit_verdict says what it suppresses; list_suppressions finds it; revoke_suppression needs admin", async () => {
    const admin = await connect(ADMIN_TOKEN);
    const persisted = await call(admin, "analyze_logs", {
      log_data: JSON.stringify(bruteForceRecords()),
      persist: true,
    });
    expect(persisted.isError, textOf(persisted)).toBeFalsy();
    const found = await call(admin, "search_anomalies", { detector: "brute_force", limit: 1 });
    const anomaly = (found.structuredContent as { anomalies: { id: number; key: string }[] }).anomalies[0]!;
    const verdict = await call(admin, "submit_verdict", {
      anomaly_id: anomaly.id,
      verdict: "false_positive",
      comment: "red team exercise",
    });
    expect(verdict.isError, textOf(verdict)).toBeFalsy();
    const s = (verdict.structuredContent as { suppression: { id: number; scope: string; max_score: number } })
      .suppression;
    expect(s).toMatchObject({ detector: "brute_force", key: anomaly.key, scope: "key" });
    expect(textOf(verdict)).toMatch(/stronger findings still fire/);

    const reader = await connect(readToken);
    const listed = await call(reader, "list_suppressions", { query: "red team" });
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(listed.structuredContent).toMatchObject({
      total: 1,
      suppressions: [{ id: s.id, created_by: "API_TOKEN", reason: "red team exercise", suppressed_count: 0 }],
    });
    expect(
      (await call(reader, "list_suppressions", { detector: "error_burst" })).structuredContent,
    ).toMatchObject({
      total: 0,
    });
    const refused = await call(reader, "revoke_suppression", { suppression_id: s.id });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(/revoke_suppression needs a token with the 'admin' scope/);

    const revoked = await call(admin, "revoke_suppression", {
      suppression_id: s.id,
      reason: "exercise over",
    });
    expect(revoked.isError, textOf(revoked)).toBeFalsy();
    expect(revoked.structuredContent).toMatchObject({
      suppression: { id: s.id, active: false, lifted_by: "API_TOKEN" },
    });
    expect(server.rt.pipeline.suppressions.size).toBe(0);
    const twice = await call(admin, "revoke_suppression", { suppression_id: s.id });
    expect(twice.isError).toBe(true);
    expect(textOf(twice)).toMatch(/already lifted/);
  });

  it("logwarden suppressions list finds one and revoke lifts it, audited with the CLI user", async () => {
    const found = await server.app.inject({
      url: "/api/v1/anomalies?agent_name=brute_force",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const id = found.json()[0].id as number;
    const patch = await server.app.inject({
      method: "PATCH",
      url: `/api/v1/anomalies/${id}`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { status: "false_positive", comment: "cli check" },
    });
    const sid = patch.json().suppression.id as number;
    const env = { DATA_DIR: server.dataDir };
    const list = await runCli(["suppressions", "list", "--query", "cli check", "--json"], { env });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({ total: 1, items: [{ id: sid, reason: "cli check" }] });
    const table = await runCli(["suppressions", "list", "--detector", "brute_force"], { env });
    expect(table.stdout).toMatch(/SUPPRESSED/);
    expect(table.stdout).toContain("cli check");
    const bad = await runCli(["suppressions", "list", "--state", "nope"], { env });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--state must be one of active, lifted, expired, all/);

    const revoke = await runCli(["suppressions", "revoke", String(sid), "--reason", "done"], { env });
    expect(revoke.code, revoke.stderr).toBe(0);
    expect(revoke.stdout).toMatch(new RegExp(`revoked suppression ${sid}`));
    const audit = await server.rt.store.db
      .selectFrom("audit_logs")
      .select(["actor"])
      .where("target", "=", `suppression:${sid}`)
      .executeTakeFirst();
    expect(audit?.actor).toMatch(/^cli/);
    // The server, a separate process from the CLI's, lets go of it at its next tick.
    expect(server.rt.pipeline.suppressions.size).toBe(1);
    await server.rt.pipeline.tick();
    expect(server.rt.pipeline.suppressions.size).toBe(0);
    const again = await runCli(["suppressions", "revoke", String(sid)], { env });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already lifted/);
  }, 60_000);
});
