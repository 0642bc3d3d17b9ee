import { rmSync } from "node:fs";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { isoUtc } from "../../src/core/time.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { rootShellRule, writeRulesDir } from "../helpers/sigma-test-rules.js";
import { call, textOf } from "./client.js";

const RULE = rootShellRule({
  id: "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b11",
  name: "test_root_shell",
  tags: ["attack.t1021.004"],
});

let server: TestServer | undefined;
let rulesDir: string | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
  server = undefined;
  if (rulesDir) rmSync(rulesDir, { recursive: true, force: true });
  rulesDir = undefined;
});

async function serveWith(env: Record<string, string>): Promise<Client> {
  server = await startTestServer(env);
  const token = (await createToken(server.rt.store.db, "assistant (read)", ["read"], isoUtc(Date.now())))
    .token;
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address();
  const url = new URL(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp`);
  const client = new Client({ name: "logwarden-rules-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

describe("list_rules over MCP", () => {
  it("lists what GET /api/v1/rules lists, with hits, last match and search, for a read token", async () => {
    rulesDir = writeRulesDir({
      "root_shell.yml": RULE,
      "broken.yml": "title: Broken\nid: x\ndetection: {}\n",
    });
    const client = await serveWith({ SIGMA_RULES_DIR: rulesDir });

    const tools = await client.listTools();
    const tool = tools.tools.find((t) => t.name === "list_rules");
    expect(tool?.description).toMatch(/Sigma rule/);
    expect(tool?.description).not.toMatch(/SIGMA_RULES_DIR|[A-Z]{3,}_[A-Z]{3,}/);
    expect(tool?.annotations?.readOnlyHint).toBe(true);

    const ingested = await server!.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [
        {
          timestamp: "2026-03-03T12:00:05.000Z",
          service: "sshd",
          host: "web1",
          message: "root shell opened for admin from 203.0.113.9",
        },
      ],
    });
    expect(ingested.statusCode, ingested.body).toBeLessThan(300);

    const rest = (await server!.app.inject({ url: "/api/v1/rules", headers: auth })).json();
    const listed = await call(client, "list_rules");
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(listed.structuredContent).toEqual(rest);
    expect(listed.structuredContent).toMatchObject({
      enabled: true,
      rules: [
        {
          id: "0b6f3c1e-2a4d-4e8f-9c1a-5d7e8f9a0b11",
          title: "Root Shell Opened Over SSH",
          level: "high",
          hits: 1,
          last_match: "2026-03-03T12:00:05.000Z",
        },
      ],
    });
    expect((listed.structuredContent as { refused: unknown[] }).refused).toHaveLength(1);
    expect(textOf(listed)).toMatch(/Root Shell Opened Over SSH .*: 1 hit, last 2026-03-03T12:00:05.000Z/);
    expect(textOf(listed)).toMatch(/1 refused:\nbroken\.yml/);

    const found = await call(client, "list_rules", { search: "T1021" });
    expect((found.structuredContent as { rules: unknown[] }).rules).toHaveLength(1);
    const none = await call(client, "list_rules", { search: "kerberos" });
    expect((none.structuredContent as { rules: unknown[] }).rules).toEqual([]);
    expect(textOf(none)).toMatch(/No rule matches "kerberos"/);
  });

  it("is empty, and says so, when no rules are installed", async () => {
    const client = await serveWith({});
    const listed = await call(client, "list_rules");
    expect(listed.isError, textOf(listed)).toBeFalsy();
    expect(listed.structuredContent).toEqual({ enabled: false, rules: [], refused: [] });
    expect(textOf(listed)).toMatch(/No Sigma rules are installed/);
  });
});
