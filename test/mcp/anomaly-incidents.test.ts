import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isoUtc } from "../../src/core/time.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { call, textOf } from "./client.js";
import { bruteForceRecords } from "./seed.js";

let server: TestServer;
let client: Client;

beforeAll(async () => {
  server = await startTestServer({ BRUTE_FORCE_THRESHOLD: "5", VOLUME_ENABLED: "false" });
  await server.rt.pipeline.submit(
    bruteForceRecords(12).map((r) => ({
      timestamp: r.timestamp!,
      observedTimestamp: r.timestamp!,
      severityText: "INFO",
      severityNumber: 9,
      body: r.message!,
      attributes: { user: r.user!, source_ip: r.source_ip!, event_type: "login", action: "failed" },
      resource: { "service.name": "auth-api" },
    })),
  );
  const read = (await createToken(server.rt.store.db, "assistant (read)", ["read"], isoUtc(Date.now())))
    .token;
  await server.app.listen({ host: "127.0.0.1", port: 0 });
  const address = server.app.server.address();
  const url = new URL(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp`);
  client = new Client({ name: "logwarden-anomaly-incidents-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(url, { requestInit: { headers: { authorization: `Bearer ${read}` } } }),
  );
}, 60_000);

afterAll(async () => {
  await client?.close();
  await server?.close();
});

describe("list_anomaly_incidents over MCP", () => {
  it("groups a brute force's user and address findings into one incident, with a read token", async () => {
    const window = { since: "2026-02-01T00:00:00Z", until: "2026-02-02T00:00:00Z" };
    const res = await call(client, "list_anomaly_incidents", window);
    expect(res.isError, textOf(res)).toBeFalsy();
    const page = res.structuredContent as {
      total: number;
      incidents: { entities: string[]; detectors: string[] }[];
    };
    expect(page.total).toBe(1);
    expect(page.incidents[0]!.entities).toEqual(expect.arrayContaining(["user:root", "ip:10.1.2.3"]));
    expect(page.incidents[0]!.detectors).toContain("brute_force");
    expect(textOf(res)).toMatch(/^1 incident from \d+ anomalies between 2026-02-01T00:00:00\.000Z/);
    const reversed = await call(client, "list_anomaly_incidents", {
      since: window.until,
      until: window.since,
    });
    expect(reversed.isError).toBe(true);
    expect(textOf(reversed)).toMatch(/since must be before until/);
  });
});
