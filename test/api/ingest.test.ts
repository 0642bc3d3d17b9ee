import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { SYSTEM_004_SAMPLE } from "../helpers/samples.js";
import { storedCount } from "../helpers/stored-logs.js";

const SAMPLE = SYSTEM_004_SAMPLE;

let server: TestServer | undefined;

/** `POST /ingest` of an NDJSON body to the running test server. */
function postNdjson(payload: string) {
  return server!.app.inject({
    method: "POST",
    url: "/ingest",
    headers: { ...auth, "content-type": "application/x-ndjson" },
    payload,
  });
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("system 004: POST /ingest", () => {
  it("stores logs, scores per service and opens an incident above THRESHOLD", async () => {
    server = await startTestServer();
    const res = await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: SAMPLE });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ingested).toBe(3);
    expect(body.scores).toHaveLength(2);
    const auth1 = body.scores.find((s: { service: string }) => s.service === "auth");
    expect(auth1.score).toBeGreaterThan(0.8);
    expect(body.incidents).toHaveLength(1);
    expect(body.incidents[0]).toMatchObject({
      service: "auth",
      severity: expect.stringMatching(/medium|high|critical/),
    });
    expect(body.incidents[0].summary).toContain("2 ERROR logs from auth in 20 s");

    const incidents = await server.app.inject({ url: "/incidents", headers: auth });
    expect(incidents.statusCode).toBe(200);
    const list = incidents.json();
    expect(list).toHaveLength(1);
    expect(Object.keys(list[0])).toEqual(
      expect.arrayContaining(["id", "detected_at", "service", "severity", "summary", "features"]),
    );
    expect(typeof list[0].features).toBe("object");
  });

  it("accepts one object and NDJSON bulk", async () => {
    server = await startTestServer();
    const one = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: SAMPLE[2],
    });
    expect(one.json().ingested).toBe(1);
    const ndjson = `${SAMPLE.map((l) => JSON.stringify(l)).join("\n")}\n`;
    const bulk = await postNdjson(ndjson);
    expect(bulk.statusCode).toBe(200);
    expect(bulk.json().ingested).toBe(3);
  });

  it("rejects bad input with a JSON error naming what was wrong", async () => {
    server = await startTestServer();
    const malformed = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: { ...auth, "content-type": "application/json" },
      payload: "[{not json",
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: "invalid_json" });
    expect(malformed.body).not.toContain("    at ");

    const empty = await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: [] });
    expect(empty.statusCode).toBe(400);

    const wrongTypes = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [{ message: 5, level: [] }],
    });
    expect(wrongTypes.statusCode).toBe(400);
    expect(wrongTypes.json().error).toBe("validation_error");
    expect(wrongTypes.json().message).toMatch(/message/);

    const badLine = await postNdjson('{"message":"ok"}\n{oops\n');
    expect(badLine.statusCode).toBe(400);
    expect(badLine.json().message).toContain("line 2");

    for (const contentType of ["text/plain", "application/xml"]) {
      const notJson = await server.app.inject({
        method: "POST",
        url: "/ingest",
        headers: { ...auth, "content-type": contentType },
        payload: "hello",
      });
      expect(notJson.statusCode).toBe(415);
      expect(notJson.json().error).toBe("unsupported_media_type");
    }

    const huge = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [{ message: "x".repeat(2_000_000) }],
    });
    expect(huge.statusCode).toBe(200);
  });

  it("answers 413 over the body limit and keeps invalid UTF-8 as replacement characters", async () => {
    server = await startTestServer({ INGEST_MAX_BODY_BYTES: "1000" });
    const big = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: auth,
      payload: [{ message: "x".repeat(5_000) }],
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toBe("payload_too_large");
    const bytes = Buffer.concat([
      Buffer.from('[{"message":"bad '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(' bytes"}]'),
    ]);
    const res = await server.app.inject({
      method: "POST",
      url: "/ingest",
      headers: { ...auth, "content-type": "application/json" },
      payload: bytes,
    });
    expect(res.statusCode).toBe(200);
  });

  it("keeps acknowledged data across a restart", async () => {
    server = await startTestServer();
    await server.app.inject({ method: "POST", url: "/ingest", headers: auth, payload: SAMPLE });
    const dataDir = server.dataDir;
    await server.close(false);
    server = await startTestServer({}, { dataDir });
    const list = (await server.app.inject({ url: "/incidents", headers: auth })).json();
    expect(list).toHaveLength(1);
    expect(await storedCount(server.rt.logs)).toBe(3);
  });

  it("answers unknown routes with 404 in the error shape", async () => {
    server = await startTestServer();
    const res = await server.app.inject({ url: "/nope" });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: "Not Found" });
  });

  it("sends ML_URL each service group's logs as the client sent them, NDJSON included (contracts §5.4)", async () => {
    const received: unknown[] = [];
    const ml = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c;
      });
      req.on("end", () => {
        received.push(JSON.parse(body));
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ score: 0.25 }));
      });
    });
    ml.listen(0, "127.0.0.1");
    await once(ml, "listening");
    try {
      server = await startTestServer({
        ML_URL: `http://127.0.0.1:${(ml.address() as AddressInfo).port}/score`,
      });
      const ndjson = SAMPLE.map((l) => JSON.stringify(l)).join("\n");
      const res = await postNdjson(ndjson);
      expect(res.statusCode).toBe(200);
      expect(res.json().scores).toEqual([
        { service: "auth", score: 0.25 },
        { service: "web", score: 0.25 },
      ]);
      // Logs are let go as they are decoded unless a scorer needs them: this one gets every one.
      expect(received).toEqual([
        { logs: SAMPLE.filter((l) => l.service === "auth") },
        { logs: SAMPLE.filter((l) => l.service === "web") },
      ]);
    } finally {
      ml.close();
    }
  });
});
