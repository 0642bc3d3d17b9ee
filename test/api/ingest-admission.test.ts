import { once } from "node:events";
import { connect } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { admittedBytes } from "../../src/api/ingest-admission.js";
import { BackpressureError } from "../../src/core/errors.js";
import type { LogRecord } from "../../src/core/log-record.js";
import { encodeStatus } from "../../src/sources/otlp/codec.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";

const record = (i: number): LogRecord => ({
  timestamp: new Date(Date.parse("2026-01-01T00:00:00Z") + i * 1000).toISOString(),
  observedTimestamp: "2026-01-01T00:00:00.000Z",
  severityText: "INFO",
  severityNumber: 9,
  body: `request ${i} served in ${i % 97} ms`,
  attributes: {},
  resource: { "service.name": "api" },
});
const records = (n: number, from = 0) => Array.from({ length: n }, (_, i) => record(from + i));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("ingest admission", () => {
  it("refuses a submission the queue could not drain within INGEST_QUEUE_MAX_WAIT_SECS, and takes it with the bound off", async () => {
    // A millisecond is far below what any 500 records take, so the second submission is over the bound.
    server = await startTestServer({ INGEST_QUEUE_MAX_WAIT_SECS: "0.001" });
    const { pipeline } = server.rt;
    await pipeline.submit(records(500)); // the drain rate is measured on this one,
    // once the loop has had its turn after the batch (and its first periodic save, which can take longer
    // than a fixed sleep on a loaded machine: a 20 ms sleep left the rate unmeasured and nothing refused).
    await pipeline.idle();
    // The first batch is mined synchronously and its transaction is pending: 500 records stay queued.
    const queued = pipeline.submit(records(500, 500));
    const refused = await pipeline.submit(records(500, 1000)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BackpressureError);
    expect((refused as BackpressureError).retryAfterSecs).toBeGreaterThanOrEqual(1);
    expect(pipeline.stats.rejectedSubmissions).toBe(1);
    await queued;
    await server.close();

    server = await startTestServer({ INGEST_QUEUE_MAX_WAIT_SECS: "0" });
    const open = server.rt.pipeline;
    await open.submit(records(500));
    await open.idle();
    const first = open.submit(records(500, 500));
    await expect(open.submit(records(500, 1000))).resolves.toMatchObject({ records: { length: 500 } });
    await first;
  });

  it("says from the headers alone that a full queue takes nothing", async () => {
    server = await startTestServer({ INGEST_QUEUE_RECORDS: "100" });
    const { pipeline } = server.rt;
    expect(pipeline.refusal()).toBeNull();
    // One oversized submission is taken on an empty queue; while it waits, nothing more is.
    const big = pipeline.submit(records(150));
    expect(pipeline.refusal()).toBeInstanceOf(BackpressureError);
    await big;
    expect(pipeline.refusal()).toBeNull();
  });

  it("answers 503 with Retry-After before reading the body on every route that feeds the pipeline, after auth", async () => {
    server = await startTestServer();
    await server.rt.pipeline.stop(); // a stopping pipeline takes nothing, deterministically
    const { app } = server;
    // Bodies that would be 400 if they were read: a 503 proves the refusal came first.
    const ingest = await app.inject({
      method: "POST",
      url: "/ingest",
      headers: { ...auth, "content-type": "application/x-ndjson" },
      payload: "{not json\n",
    });
    expect(ingest.statusCode).toBe(503);
    expect(ingest.headers["retry-after"]).toBe("5");
    expect(ingest.json().error).toBe("overloaded");

    const stranger = await app.inject({
      method: "POST",
      url: "/ingest",
      headers: { "content-type": "application/x-ndjson" },
      payload: "{not json\n",
    });
    expect(stranger.statusCode).toBe(401);

    const otlpJson = await app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(otlpJson.statusCode).toBe(503);
    expect(otlpJson.headers["retry-after"]).toBe("5");
    expect(otlpJson.json()).toMatchObject({ code: 14, error: "overloaded" });

    const otlpProto = await app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "application/x-protobuf" },
      payload: Buffer.from([0xff, 0xff, 0xff]),
    });
    expect(otlpProto.statusCode).toBe(503);
    expect(otlpProto.headers["retry-after"]).toBe("5");
    expect(otlpProto.headers["content-type"]).toContain("application/x-protobuf");
    // google.rpc.Status UNAVAILABLE (14), which OTLP exporters retry.
    expect(otlpProto.rawPayload).toEqual(Buffer.from(encodeStatus(14, new BackpressureError().message)));

    const stored = await app.inject({
      method: "POST",
      url: "/analyze?persist=true",
      headers: { ...auth, "content-type": "application/json" },
      payload: "{not json",
    });
    expect(stored.statusCode).toBe(503);
    expect(stored.headers["retry-after"]).toBe("5");

    // An analysis that stores nothing does not need the pipeline and is still answered.
    const analysed = await app.inject({
      method: "POST",
      url: "/analyze",
      headers: auth,
      payload: { logs: [{ user: "ann", event_type: "login", action: "failed" }] },
    });
    expect(analysed.statusCode, analysed.body).toBe(200);
  });
});

describe("ingest admission by requests in flight", () => {
  const lines = (from: number) =>
    Array.from({ length: 200 }, (_, i) => JSON.stringify({ service: "api", message: `m ${from + i}` })).join(
      "\n",
    );

  /** A server with the bound, its rate measured on `measured` requests, and a request whose body stopped coming. */
  async function withHalfSentRequest(maxWaitSecs: string, measured = 4) {
    server = await startTestServer({ INGEST_QUEUE_MAX_WAIT_SECS: maxWaitSecs });
    const url = await server.app.listen({ port: 0, host: "127.0.0.1" });
    const ingest = (body: string) =>
      fetch(`${url}/ingest`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/x-ndjson" },
        body,
      });
    // Measures how fast request bytes are answered (the rate is judged from the fourth answer on); alone in
    // flight, each is let in whatever the bound.
    for (let k = 0; k < measured; k++) expect((await ingest(lines(k * 200_000))).status).toBe(200);
    // 15 MB announced: far more than a second of work at any rate this code reaches (a 7 KB request would
    // have to be answered in under half a millisecond).
    const slow = connect(Number(new URL(url).port), "127.0.0.1");
    slow.on("error", () => {});
    await once(slow, "connect");
    slow.write(
      `POST /ingest HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n` +
        "Content-Type: application/x-ndjson\r\nContent-Length: 15000000\r\n\r\n",
    );
    slow.write('{"message": "half');
    // Let in before the next request is sent: the server reads it a loop turn or two after the connect.
    await vi.waitFor(() => expect(admittedBytes(server!.rt)).toBeGreaterThanOrEqual(15_000_000));
    return { ingest, slow };
  }

  it("refuses from the headers while the bodies already let in would take longer than the bound, and lets in again once they are answered", async () => {
    const { ingest, slow } = await withHalfSentRequest("1");
    await vi.waitFor(async () => {
      const refused = await ingest(lines(1000));
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(((await refused.json()) as { error: string }).error).toBe("overloaded");
    });
    slow.destroy(); // the client goes away: its request no longer counts
    await vi.waitFor(async () => expect((await ingest(lines(2000))).status).toBe(200));
  });

  it("does not judge the wait on fewer than four answers (the first ones are cold code's latency)", async () => {
    const { ingest, slow } = await withHalfSentRequest("1", 3);
    expect((await ingest(lines(1000))).status).toBe(200);
    // That was the fourth answer: from now on the rate is judged, and the stuck 15 MB is far over the bound.
    await vi.waitFor(async () => expect((await ingest(lines(2000))).status).toBe(503));
    slow.destroy();
  });

  it("stops counting a request still in flight four times the bound after it was let in", async () => {
    // Bound 0.5 s: the stuck upload holds others back for 2 s, not until Node's request timeout (5 min).
    const { ingest, slow } = await withHalfSentRequest("0.5");
    const t0 = performance.now();
    await vi.waitFor(async () => expect((await ingest(lines(1000))).status).toBe(503));
    await vi.waitFor(async () => expect((await ingest(lines(2000))).status).toBe(200), {
      timeout: 10_000,
      interval: 100,
    });
    expect((performance.now() - t0) / 1000).toBeGreaterThan(1.5);
    expect(slow.destroyed).toBe(false); // still open: it stopped counting, it was not closed
    slow.destroy();
  });
});
