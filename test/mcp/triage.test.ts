import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { STDIO_CALLER } from "../../src/mcp/context.js";
import { createMcpServer } from "../../src/mcp/server.js";
import { triageTablesExist } from "../../src/store/repos/triage-read.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { call, textOf } from "./client.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function connected(s: TestServer): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await createMcpServer(s.rt, STDIO_CALLER, "test").connect(serverSide);
  const client = new Client({ name: "triage-test", version: "1.0.0" });
  await client.connect(clientSide);
  return client;
}

describe("get_alert_triage", () => {
  it("reads triage verdicts when the tables exist, and says triage is unavailable when they do not", async () => {
    server = await startTestServer();
    const db = server.rt.store.db;
    const client = await connected(server);
    // Migrations create the triage tables; the unavailable answer is checked after dropping one.
    expect(await triageTablesExist(db)).toBe(true);
    {
      const now = "2026-02-01T10:00:00.000Z";
      await sql`insert into alerts (alert_id, source_ip, user_id, asset_id, raw, status, created_at, updated_at)
        values ('test-001', '45.33.32.156', 'jdoe', 'srv-1', '{}', 'triaged', ${now}, ${now})`.execute(db);
      await sql`insert into triage_results (alert_id, risk_score, risk_level, confidence, analysis_result,
          recommended_actions, requires_human_review, created_at, updated_at)
        values ('test-001', 87, 'high', 0.9, 'known malicious IP', '["block 45.33.32.156"]', 1, ${now}, ${now})`.execute(
        db,
      );
      const r = await call(client, "get_alert_triage", { risk_level: "high" });
      expect(r.isError, textOf(r)).toBeFalsy();
      expect(r.structuredContent).toMatchObject({
        count: 1,
        triage: [
          {
            alert_id: "test-001",
            risk_score: 87,
            requires_human_review: true,
            recommended_actions: ["block 45.33.32.156"],
            source_ip: "45.33.32.156",
            alert_status: "triaged",
          },
        ],
      });
      expect(textOf(r)).toMatch(/test-001 risk 87 \(high\) needs review/);
      await sql`drop table triage_results`.execute(db);
    }
    const r = await call(client, "get_alert_triage", {});
    expect(r.isError).toBe(true);
    expect(textOf(r)).toBe("alert triage is not available in this build");
    await client.close();
  });
});
