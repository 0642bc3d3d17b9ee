import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SegmentLogStore } from "../../src/store/segments/segment-log-store.js";
import { runCli } from "../helpers/cli.js";
import { ADMIN_TOKEN, auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { call } from "../mcp/client.js";

/**
 * Every door searches logs with one semantics (`LogQuery.text`): the dashboard's REST route, MCP
 * `search_logs` and `logwarden logs search` give the same records for the same words. MCP used a substring
 * `LIKE` before, which found `ssword` inside `password` where the other doors found nothing.
 */
const LINES = [
  "Failed password for invalid user admin from 10.0.0.12 port 22 ssh2",
  "Accepted password for deploy from 10.0.0.7 port 51022 ssh2",
  "disk /dev/sda1 is failing, remounting read-only",
  "PacketResponder 1 for block blk_-1608999687919862906 terminating",
  'user "o\'brien" changed password; drop table logs;',
];
const QUERIES = [
  "password",
  "PASS",
  "ssword",
  "10.0.0.12",
  "sda1",
  "dev sda",
  "blk_-160899",
  "o'brien",
  "ssh2 deploy",
];

/** Each log store (LOG_STORE), the segment store with its lines still in batches and once sealed. */
const STORES = [
  { name: "table", env: { LOG_STORE: "table" }, seal: false },
  { name: "segments, unsealed", env: { LOG_STORE: "segments" }, seal: false },
  { name: "segments, sealed", env: { LOG_STORE: "segments" }, seal: true },
] as const;

describe.each(STORES)("log search at every door ($name)", ({ env, seal }) => {
  let server: TestServer;
  let client: Client;

  beforeAll(async () => {
    server = await startTestServer(env);
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: LINES.map((message, i) => ({
        timestamp: new Date(Date.parse("2026-05-04T10:00:00Z") + i * 60_000).toISOString(),
        service: "sshd",
        level: "INFO",
        message,
      })),
    });
    expect(res.statusCode, res.body).toBe(200);
    if (seal) expect((await (server.rt.logs as SegmentLogStore).seal()).lines).toBe(LINES.length);
    await server.app.listen({ host: "127.0.0.1", port: 0 });
    const address = server.app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    client = new Client({ name: "log-search-doors", version: "1.0.0" });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  it("finds the same records through REST, MCP and the CLI, by words", async () => {
    const messagesOf = (ids: number[]) => ids.map((id) => LINES[id - 1]);
    const rests = new Map<string, number[]>();
    for (const q of QUERIES) {
      const rest = await server.app.inject({
        method: "GET",
        url: `/api/v1/logs?q=${encodeURIComponent(q)}`,
        headers: auth,
      });
      expect(rest.statusCode, rest.body).toBe(200);
      const restIds = (rest.json() as { id: number }[]).map((l) => l.id);
      const mcp = await call(client, "search_logs", { text: q });
      expect(mcp.isError, q).toBeFalsy();
      const mcpIds = (mcp.structuredContent as { logs: { id: number }[] }).logs.map((l) => l.id);
      expect(mcpIds, q).toEqual(restIds);
      rests.set(q, restIds);
      if (q === "ssword") expect(restIds).toEqual([]);
      if (q === "PASS") expect(messagesOf(restIds)).toEqual([LINES[4], LINES[1], LINES[0]]);
      if (q === "sda1") expect(messagesOf(restIds)).toEqual([LINES[2]]);
    }
    // The CLI (a process of its own on the same file) for a few of them: starting one costs seconds.
    await Promise.all(
      ["ssword", "PASS", "sda1"].map(async (q) => {
        const cli = await runCli(["logs", "search", q, "--json"], {
          env: { DATA_DIR: server.dataDir, ...env },
        });
        expect(cli.code, cli.stderr).toBe(0);
        const cliIds = cli.stdout
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((line) => (JSON.parse(line) as { id: number }).id);
        expect(cliIds, q).toEqual(rests.get(q));
      }),
    );
  }, 120_000);
});
