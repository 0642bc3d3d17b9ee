import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { DAY_MS, isoUtc } from "../../src/core/time.js";
import { recordVerdict } from "../../src/service/verdicts.js";
import { createToken } from "../../src/store/repos/tokens.js";
import { startTestServer, type TestServer } from "../helpers/runtime.js";
import { finding, storeFindings } from "../helpers/stored-findings.js";
import { call, textOf } from "./client.js";

const NOW = Date.parse("2026-03-31T12:00:00.000Z");

let server: TestServer | undefined;
const clients: Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
  server = undefined;
});

async function connect(s: TestServer): Promise<Client> {
  const token = (await createToken(s.rt.store.db, "assistant (read)", ["read"], isoUtc(NOW))).token;
  await s.app.listen({ host: "127.0.0.1", port: 0 });
  const address = s.app.server.address();
  const url = new URL(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/mcp`);
  const client = new Client({ name: "logwarden-precision-test", version: "1.0.0" });
  await client.connect(
    new StreamableHTTPClientTransport(url, {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  clients.push(client);
  return client;
}

describe("detector precision over MCP", () => {
  it("get_detection_stats and explain_anomaly give the last 30 days' precision from verdicts", async () => {
    const clock = new FakeClock(NOW);
    server = await startTestServer({}, { clock });
    const s = server;
    const [a, b, c, old] = await storeFindings(s.rt.store.db, [
      finding("svc:a", { timestamp: isoUtc(NOW - DAY_MS) }),
      finding("svc:b", { timestamp: isoUtc(NOW - DAY_MS) }),
      finding("svc:c", { timestamp: isoUtc(NOW - DAY_MS) }),
      finding("svc:old", { timestamp: isoUtc(NOW - 60 * DAY_MS) }),
    ]);
    const judge = async (id: number | undefined, verdict: "true_positive" | "false_positive") =>
      recordVerdict(s.rt, { anomalyId: id ?? 0, verdict, actor: "ops" });
    // Given 40 days ago: out of the window.
    clock.set(NOW - 40 * DAY_MS);
    await judge(old?.id, "false_positive");
    clock.set(NOW);
    await judge(a?.id, "true_positive");
    await judge(b?.id, "true_positive");
    await judge(c?.id, "false_positive");
    await judge(c?.id, "true_positive");

    const client = await connect(s);
    const { tools } = await client.listTools();
    const statsTool = tools.find((t) => t.name === "get_detection_stats");
    expect(statsTool?.description).toMatch(/precision/i);
    expect(statsTool?.description).toMatch(/verdict/i);

    const stats = await call(client, "get_detection_stats");
    expect(stats.isError).toBeFalsy();
    const quality = stats.structuredContent?.detector_quality as {
      window_days: number;
      detectors: Record<string, unknown>[];
    };
    expect(quality.window_days).toBe(30);
    expect(quality.detectors).toContainEqual({
      detector: "error_burst",
      findings: 3,
      findings_per_day: 0.1,
      judged: 3,
      true_positives: 3,
      false_positives: 0,
      precision: 1,
      text: "error_burst: 3 of 3 judged findings in the last 30 days were true positives; 0.1 findings a day",
    });
    // All time (as on REST) the old false positive still counts.
    expect(stats.structuredContent?.detector_precision).toContainEqual({
      detector: "error_burst",
      true_positives: 3,
      false_positives: 1,
      precision: 0.75,
    });
    // The contract's one text item holds the same JSON.
    expect(JSON.parse(textOf(stats)).detector_quality).toEqual(quality);

    const explained = await call(client, "explain_anomaly", { id: a?.id });
    expect(explained.isError).toBeFalsy();
    expect(textOf(explained)).toContain(
      "this detector: 3 of 3 judged findings in the last 30 days were true positives",
    );
    expect(explained.structuredContent?.detector_precision).toMatchObject({
      detector: "error_burst",
      judged: 3,
      true_positives: 3,
      precision: 1,
    });

    // A detector nobody has judged says so.
    const [fresh] = await storeFindings(s.rt.store.db, [
      finding("tpl:x", { detector: "new_template", type: "new_template", timestamp: isoUtc(NOW) }),
    ]);
    const unjudged = await call(client, "explain_anomaly", { id: fresh?.id });
    expect(textOf(unjudged)).toContain("this detector: no verdicts in the last 30 days yet");
  });
});
