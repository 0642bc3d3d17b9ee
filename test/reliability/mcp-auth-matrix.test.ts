import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Scope } from "../../src/store/repos/tokens.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { textOf } from "../mcp/client.js";
import { badCredentials, INTERNALS, refusalProblem } from "./auth-matrix-cases.js";
import { escalationArgs, permits, type ToolCase, toolCases } from "./mcp-tools.js";

/**
 * Issue 17's auth matrix over MCP's Streamable HTTP transport: every tool the server lists (so a new
 * tool is in it), called with no, malformed, wrong and revoked credentials and with a token of each
 * scope. What a tool needs comes from tools/list's `_meta["logwarden/access"]`, which the server
 * writes from the same declaration that enforces it (src/mcp/tool-access.ts).
 */

const UNLIMITED = "1000000/minute";
const ENV = { RATE_LIMIT_PER_IP: UNLIMITED, RATE_LIMIT_PER_TOKEN: UNLIMITED, ANALYZE_RATE_LIMIT: UNLIMITED };

/** The tokens the matrix calls with: each scope alone, and read with ingest (what an ingest tool needs). */
const PROFILES: Record<string, Scope[]> = {
  read: ["read"],
  ingest: ["ingest"],
  admin: ["admin"],
  "read+ingest": ["read", "ingest"],
};

let server: TestServer;
/** The one allowed folder of analyze_log_file. */
let logs: string;
let base: string;
let mcpUrl: URL;
let tools: Tool[];
let cases: ToolCase[];
let caseProblems: string[];
const tokens: Record<string, string> = {};
let revoked: string;
let requests = 0;
const clients: Client[] = [];

async function createToken(name: string, scopes: Scope[]): Promise<{ id: number; token: string }> {
  const res = await fetch(`${base}/api/v1/tokens`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ name, scopes }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; token: string };
}

async function revoke(id: number): Promise<void> {
  const res = await fetch(`${base}/api/v1/tokens/${id}`, { method: "DELETE", headers: auth });
  expect(res.status).toBe(200);
}

async function connect(token: string): Promise<Client> {
  const transport = new StreamableHTTPClientTransport(mcpUrl, {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  const client = new Client({ name: "auth-matrix", version: "1.0.0" });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** Every JSON-RPC request a client can make: the lifecycle, the lists, each resource, prompt and tool call. */
function rpcRequests(): { name: string; method: string; params: Record<string, unknown> }[] {
  return [
    {
      name: "initialize",
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "auth-matrix", version: "1" },
      },
    },
    { name: "tools/list", method: "tools/list", params: {} },
    { name: "resources/list", method: "resources/list", params: {} },
    { name: "prompts/list", method: "prompts/list", params: {} },
    {
      name: "resources/read anomalies",
      method: "resources/read",
      params: { uri: "logwarden://anomalies/recent" },
    },
    {
      name: "resources/read incidents",
      method: "resources/read",
      params: { uri: "logwarden://incidents/open" },
    },
    {
      name: "prompts/get investigate_incident",
      method: "prompts/get",
      params: { name: "investigate_incident", arguments: { incident_id: "1" } },
    },
    ...cases.map((c) => ({
      name: `tools/call ${c.tool} (${c.variant})`,
      method: "tools/call",
      params: { name: c.tool, arguments: c.args },
    })),
  ];
}

/** One raw POST /mcp, as a client without the SDK (or with a broken credential) would send it. */
async function rawRpc(headers: Record<string, string>, method: string, params: Record<string, unknown>) {
  requests++;
  const res = await fetch(mcpUrl, {
    method: "POST",
    headers: {
      ...headers,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", body: await res.text() };
}

/** Why a tool call's outcome is wrong for a token that `allowed` (or not) to make it, or null. */
function callProblem(result: CallToolResult, allowed: boolean, needs: readonly Scope[]): string | null {
  const text = textOf(result);
  if (INTERNALS.test(text)) return `shows internals: ${text.slice(0, 200)}`;
  const refused = result.isError === true && /needs a token with the '\w+' scope/.test(text);
  if (allowed && refused) return `refused: ${text}`;
  if (!allowed && !refused) return `not refused (needs ${needs.join("+")}): ${text.slice(0, 200)}`;
  return null;
}

beforeAll(async () => {
  logs = mkdtempSync(join(tmpdir(), "lw-mcp-matrix-"));
  writeFileSync(join(logs, "app.log"), '{"message":"auth matrix","user":"root"}\n');
  server = await startTestServer({ ...ENV, MCP_ALLOWED_DIRS: logs });
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  mcpUrl = new URL(`${base}/mcp`);
  for (const [profile, scopes] of Object.entries(PROFILES))
    tokens[profile] = (await createToken(`mcp matrix ${profile}`, scopes)).token;
  const doomed = await createToken("mcp matrix revoked", ["admin"]);
  await revoke(doomed.id);
  revoked = doomed.token;
  tools = (await (await connect(ADMIN_TOKEN)).listTools()).tools;
  const otherModels = join(server.dataDir, "other-models");
  mkdirSync(otherModels);
  ({ cases, problems: caseProblems } = toolCases(tools, "app.log", escalationArgs(otherModels)));
});

afterAll(async () => {
  console.info(
    `[auth-matrix] MCP: ${tools?.length} tools, ${cases?.length} tool calls, ${requests} requests`,
  );
  for (const c of clients) await c.close();
  await server?.close();
  if (logs) rmSync(logs, { recursive: true, force: true });
});

describe("auth matrix (MCP over Streamable HTTP, every listed tool)", () => {
  it("reads what every tool needs from tools/list, and can build a call for each", () => {
    expect(tools.length).toBeGreaterThanOrEqual(13);
    expect(caseProblems).toEqual([]);
    expect(cases.length).toBeGreaterThan(tools.length);
  });

  it("answers 401 (JSON, no internals) to every request with a missing, malformed, wrong or revoked credential", async () => {
    const problems: string[] = [];
    let checked = 0;
    for (const c of badCredentials(revoked)) {
      for (const rpc of rpcRequests()) {
        const answer = await rawRpc(c.headers, rpc.method, rpc.params);
        checked++;
        const problem = refusalProblem(answer, c.refused ?? [401], "POST");
        if (problem) problems.push(`${rpc.name} with ${c.name}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(200);
  });

  it("refuses a client the SDK connects with a bad credential, and one without read with 403", async () => {
    for (const token of ["lw_not_a_token", revoked])
      await expect(connect(token)).rejects.toMatchObject({ code: 401 });
    await expect(connect(tokens.ingest!)).rejects.toMatchObject({ code: 403 });
    const problems: string[] = [];
    for (const rpc of rpcRequests()) {
      const answer = await rawRpc({ authorization: `Bearer ${tokens.ingest}` }, rpc.method, rpc.params);
      const problem = refusalProblem(answer, [403], "POST");
      if (problem) problems.push(`${rpc.name} with an ingest-only token: ${problem}`);
    }
    expect(problems).toEqual([]);
  });

  it("gives each tool to the tokens with its scopes, and refuses it with a tool error to the others", async () => {
    const problems: string[] = [];
    for (const [profile, scopes] of Object.entries(PROFILES)) {
      if (!scopes.includes("read") && !scopes.includes("admin")) continue; // refused at /mcp, above
      const client = await connect(tokens[profile]!);
      for (const c of cases) {
        requests++;
        const result = (await client.callTool({ name: c.tool, arguments: c.args })) as CallToolResult;
        const problem = callProblem(result, permits(scopes, c.needs), c.needs);
        if (problem) problems.push(`${c.tool} (${c.variant}) with a ${profile} token: ${problem}`);
      }
      // Resources and the prompt need read, which /mcp itself demands.
      for (const uri of ["logwarden://anomalies/recent", "logwarden://incidents/open"])
        expect((await client.readResource({ uri })).contents).toHaveLength(1);
      const prompt = await client.getPrompt({
        name: "investigate_incident",
        arguments: { incident_id: "1" },
      });
      expect(prompt.messages).toHaveLength(1);
    }
    expect(problems).toEqual([]);
  });

  it("stops a connected client at its next call once its token is revoked", async () => {
    const doomed = await createToken("mcp matrix revoked mid-session", ["admin"]);
    const client = await connect(doomed.token);
    expect((await client.listTools()).tools.length).toBe(tools.length);
    await revoke(doomed.id);
    for (const c of cases) {
      requests++;
      await expect(client.callTool({ name: c.tool, arguments: c.args }), c.tool).rejects.toMatchObject({
        code: 401,
      });
    }
  });
});
