import { createHmac, timingSafeEqual } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sinkSchema } from "../../src/config/sink-schema.js";
import { ElasticsearchSink } from "../../src/sinks/elasticsearch.js";
import { toSinkAnomaly } from "../../src/sinks/payload.js";
import { SlackSink } from "../../src/sinks/slack.js";
import { SplunkSink } from "../../src/sinks/splunk.js";
import { WebhookSink } from "../../src/sinks/webhook.js";
import { type Receiver, startReceiver } from "../helpers/receiver.js";
import { item, storedAnomaly } from "./fixtures.js";

let rx: Receiver;
beforeEach(async () => {
  rx = await startReceiver();
});
afterEach(async () => {
  await rx.close();
});

const anomaly = toSinkAnomaly(storedAnomaly({ id: 7, description: "burst <script> & co" }));

describe("sink wire formats, against a local receiver", () => {
  it("webhook: JSON body signed with X-Logwarden-Signature that the receiver can verify", async () => {
    const config = sinkSchema.parse({ type: "webhook", url: `${rx.url}/hook`, secret: "s3cret" });
    if (config.type !== "webhook") throw new Error("unexpected");
    const sink = new WebhookSink("webhook", config);
    expect(await sink.deliver([item(anomaly)])).toEqual([{ ok: true }]);
    const [req] = rx.requests;
    expect(req).toMatchObject({ method: "POST", url: "/hook" });
    expect(req!.headers["content-type"]).toBe("application/json");
    const header = String(req!.headers["x-logwarden-signature"]);
    expect(header).toMatch(/^sha256=[0-9a-f]{64}$/);
    const expected = `sha256=${createHmac("sha256", "s3cret").update(req!.body).digest("hex")}`;
    expect(timingSafeEqual(Buffer.from(header), Buffer.from(expected))).toBe(true);
    expect(JSON.parse(req!.body)).toMatchObject({
      id: 7,
      severity: "high",
      anomaly_score: 0.91,
      detector: "error_burst",
    });

    rx.respond = () => ({ status: 500, body: "down" });
    expect(await sink.deliver([item(anomaly)])).toEqual([
      { ok: false, error: "HTTP 500: down", retryable: true },
    ]);
    rx.respond = () => ({ status: 410, body: "gone" });
    expect((await sink.deliver([item(anomaly)]))[0]).toMatchObject({ ok: false, retryable: false });
  });

  it("slack: a Block Kit message with header, escaped text, fields and context", async () => {
    const config = sinkSchema.parse({ type: "slack", url: `${rx.url}/services/T/B/X` });
    if (config.type !== "slack") throw new Error("unexpected");
    expect(config.minSeverity).toBe("high");
    const sink = new SlackSink("slack", config);
    expect(await sink.deliver([item(anomaly)])).toEqual([{ ok: true }]);
    const body = JSON.parse(rx.requests[0]!.body);
    expect(body.text).toContain("[HIGH] error_burst (auth)");
    expect(body.blocks.map((b: { type: string }) => b.type)).toEqual([
      "header",
      "section",
      "section",
      "context",
    ]);
    expect(body.blocks[0].text).toMatchObject({ type: "plain_text" });
    expect(body.blocks[0].text.text.length).toBeLessThanOrEqual(150);
    expect(body.blocks[1].text).toEqual({ type: "mrkdwn", text: "burst &lt;script&gt; &amp; co" });
    expect(body.blocks[2].fields).toContainEqual({ type: "mrkdwn", text: "*Severity*\nhigh" });
    expect(body.blocks[3].elements[0].text).toContain("#7");
  });

  it("splunk: HEC envelopes with Authorization: Splunk <token>", async () => {
    const config = sinkSchema.parse({
      type: "splunk",
      url: `${rx.url}/services/collector`,
      token: "hec-token",
    });
    if (config.type !== "splunk") throw new Error("unexpected");
    const sink = new SplunkSink("splunk", config);
    rx.respond = () => ({ status: 200, body: '{"text":"Success","code":0}' });
    const second = toSinkAnomaly(storedAnomaly({ id: 8 }));
    expect(await sink.deliver([item(anomaly, 1), item(second, 2)])).toEqual([{ ok: true }, { ok: true }]);
    const [req] = rx.requests;
    expect(req!.url).toBe("/services/collector");
    expect(req!.headers.authorization).toBe("Splunk hec-token");
    const events = req!.body.split("\n").map((l) => JSON.parse(l));
    expect(events).toHaveLength(2);
    expect(events[0]).toEqual({
      time: Date.parse(anomaly.timestamp) / 1000,
      source: "logwarden",
      sourcetype: "logwarden:anomaly",
      event: anomaly,
    });
    expect(events[1].event.id).toBe(8);
    rx.respond = () => ({ status: 403, body: '{"text":"Invalid token","code":4}' });
    expect((await sink.deliver([item(anomaly)]))[0]).toMatchObject({ ok: false, retryable: false });
  });

  it("elasticsearch: _bulk NDJSON, per-item outcomes from the response", async () => {
    const config = sinkSchema.parse({ type: "elasticsearch", url: `http://elastic:pw@${rx.url.slice(7)}/` });
    if (config.type !== "elasticsearch") throw new Error("unexpected");
    const sink = new ElasticsearchSink("es", config);
    const ids = [11, 12, 13];
    rx.respond = () => ({
      status: 200,
      body: JSON.stringify({
        errors: true,
        items: [
          { index: { _id: "a", status: 429, error: { type: "es_rejected_execution_exception" } } },
          { index: { _id: "b", status: 201 } },
          { index: { _id: "c", status: 400, error: { type: "mapper_parsing_exception" } } },
        ],
      }),
    });
    const out = await sink.deliver(ids.map((id, i) => item(toSinkAnomaly(storedAnomaly({ id })), i + 1)));
    expect(out[0]).toMatchObject({ ok: false, retryable: true });
    expect(out[1]).toEqual({ ok: true });
    expect(out[2]).toMatchObject({
      ok: false,
      retryable: false,
      error: expect.stringContaining("mapper_parsing"),
    });
    const [req] = rx.requests;
    expect(req!.url).toBe("/_bulk");
    expect(req!.headers["content-type"]).toBe("application/x-ndjson");
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from("elastic:pw").toString("base64")}`);
    expect(req!.body.endsWith("\n")).toBe(true);
    const lines = req!.body
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    expect(lines[0]).toEqual({ index: { _index: "security-anomalies", _id: "logwarden-anomaly-11" } });
    expect(lines[1]).toMatchObject({ id: 11, "@timestamp": "2026-02-01T09:30:00.000Z" });
  });
});
