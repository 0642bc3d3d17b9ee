import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseLlmAnalysis } from "../../src/hasura/llm.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { ddnBody, invoices } from "./ddn-payloads.js";

/** The contract's example body (§4.1), exactly as the engine sends it. */
const ENGINE_BODY = {
  session: { role: "user", variables: { "x-hasura-role": "user", "x-hasura-user-id": "7" } },
  rawRequest: {
    query: "query RecentTracks($n: Int!) { tracks(limit: $n) { trackId name milliseconds } }",
    variables: { n: 2 },
    operationName: "RecentTracks",
  },
  response: {
    data: {
      tracks: [
        { trackId: 11, name: "First", milliseconds: 201000 },
        { trackId: 12, name: "Second", milliseconds: 187500 },
      ],
    },
  },
};

/** A fake Anthropic Messages API on 127.0.0.1: answers with whatever `reply` says, records each request. */
let fake: Server;
let baseUrl: string;
let reply: () => { status: number; text?: string; delayMs?: number } = () => ({ status: 200, text: "{}" });
const seen: { headers: IncomingMessage["headers"]; body: Record<string, unknown> }[] = [];

beforeAll(async () => {
  fake = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      seen.push({ headers: req.headers, body: JSON.parse(raw) as Record<string, unknown> });
      const r = reply();
      setTimeout(() => {
        res.writeHead(r.status, { "content-type": "application/json" });
        res.end(
          JSON.stringify(
            r.status === 200
              ? { id: "msg_1", type: "message", role: "assistant", content: [{ type: "text", text: r.text }] }
              : { type: "error", error: { type: "overloaded_error", message: "Overloaded" } },
          ),
        );
      }, r.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
});
afterAll(async () => {
  fake.closeAllConnections();
  await new Promise((resolve) => fake.close(resolve));
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  seen.length = 0;
});

const HEADERS = { "hasura-m-auth": "k", "x-hasura-role": "user" };
const env = () => ({
  M_AUTH_KEY: "k",
  ANTHROPIC_API_KEY: "sk-test",
  ANTHROPIC_BASE_URL: baseUrl,
  CLAUDE_MODEL: "claude-test",
  LLM_TIMEOUT_MS: "300",
  STORAGE_FILES: "false",
});

const LLM_ANSWER = `Here is my analysis:
\`\`\`json
{"anomalies_detected": true,
 "records": [
   {"record_index": 1, "reason": "total far above usual", "risk_level": "critical", "category": "range_violation"},
   {"record_index": 0, "reason": "email exposed", "risk_level": "weird", "category": "security_concern"},
   {"record_index": 99, "reason": "not in the dataset", "risk_level": "low", "category": "business_logic"}
 ],
 "query_pattern_analysis": {"typical": false, "concerns": ["over-retrieval"], "recommendations": ["paginate"]},
 "analysis_mode": "comparative"}
\`\`\``;

describe("hasura: optional LLM analysis (contract §4.8.3, §4.8.4)", () => {
  it("accepts the engine's exact body and hashes the query as the contract's test vector", async () => {
    server = await startTestServer({ M_AUTH_KEY: "k", STORAGE_FILES: "false" });
    const res = await server.app.inject({
      method: "POST",
      url: "/anomalies",
      headers: HEADERS,
      payload: ENGINE_BODY,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().metadata).toMatchObject({
      query_hash: "df1e0c3c6969839eb6a5eb565f3d3650",
      operation_name: "RecentTracks",
      total_records: 2,
    });
  });

  it("calls the Messages API in comparative mode only, and validates its JSON", async () => {
    server = await startTestServer(env());
    reply = () => ({ status: 200, text: LLM_ANSWER });
    const first = await server.app.inject({
      method: "POST",
      url: "/anomalies",
      headers: HEADERS,
      payload: ddnBody({ invoices: invoices(1, 5) }),
    });
    expect(first.json().results.invoices.query_analysis.analysis_mode).toBe("baseline");
    expect(seen).toHaveLength(0);

    const second = await server.app.inject({
      method: "POST",
      url: "/anomalies",
      headers: HEADERS,
      payload: ddnBody({ invoices: invoices(6, 3) }),
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers["x-api-key"]).toBe("sk-test");
    expect(seen[0]!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(seen[0]!.body).toMatchObject({ model: "claude-test", max_tokens: 1000, temperature: 0.1 });
    expect(String((seen[0]!.body.messages as { content: string }[])[0]!.content)).toContain("RecentInvoices");

    const qa = second.json().results.invoices.query_analysis;
    expect(qa.analysis_mode).toBe("comparative");
    expect(qa.metadata.status).toBe("active");
    expect(qa.records).toEqual([
      { record_index: 1, reason: "total far above usual", risk_level: "high", category: "range_violation" },
      { record_index: 0, reason: "email exposed", risk_level: "medium", category: "security_concern" },
    ]);
    expect(qa.query_pattern_analysis.concerns[0]).toBe("over-retrieval");
    expect(second.json().results.invoices.security_concerns).toHaveLength(1);
    expect(second.json().results.invoices.recommendations[0]).toBe("paginate");
    // LLM findings never count as statistical anomalies.
    expect(second.json().metadata.total_anomalies).toBe(0);
  });

  it("falls back to the error shape on a timeout, an HTTP error or bad JSON, still answering 200", async () => {
    server = await startTestServer(env());
    const send = (from: number) =>
      server!.app.inject({
        method: "POST",
        url: "/anomalies",
        headers: HEADERS,
        payload: ddnBody({ invoices: invoices(from, 2) }),
      });
    await send(1);
    for (const [answer, reason] of [
      [{ status: 200, text: LLM_ANSWER, delayMs: 1000 }, /timed out/],
      [{ status: 529 }, /HTTP 529: Overloaded/],
      [{ status: 200, text: '{"anomalies_detected": true}' }, /does not match the contract/],
    ] as const) {
      reply = () => answer;
      const res = await send(10);
      expect(res.statusCode).toBe(200);
      const qa = res.json().results.invoices.query_analysis;
      expect(qa.analysis_mode).toBe("error");
      expect(qa.metadata.status).toBe("error");
      expect(qa.query_pattern_analysis.concerns[0]).toMatch(/^Analysis error: /);
      expect(qa.metadata.error).toMatch(reason);
      expect(qa.query_pattern_analysis.recommendations).toContain("Verify system configuration");
    }
  });

  it("parses strictly: a missing key fails, unknown records are dropped", () => {
    expect(() => parseLlmAnalysis("no json here", 3)).toThrow(/no JSON object/);
    expect(() => parseLlmAnalysis('{"records": []}', 3)).toThrow(/does not match/);
    const ok = parseLlmAnalysis(LLM_ANSWER, 2);
    expect(ok.records.map((r) => r.record_index)).toEqual([1, 0]);
  });
});
