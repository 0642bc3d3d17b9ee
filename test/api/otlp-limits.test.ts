import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { storedWith } from "../helpers/stored-logs.js";

const MAX_BODY_BYTES = 64 * 1024;
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ INGEST_MAX_BODY_BYTES: String(MAX_BODY_BYTES) });
});
afterAll(async () => {
  await server.close();
});

const exportOf = (message: string) =>
  JSON.stringify({
    resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: message } }] }] }],
  });

async function stored(marker: string): Promise<number> {
  return (await storedWith(server.rt.logs, marker)).length;
}

describe("OTLP/HTTP limits", () => {
  it("refuses a gzip body over INGEST_MAX_BODY_BYTES once decompressed with 413, and stores none of it", async () => {
    // About 1 KiB on the wire, twice the limit decompressed: it was stored before (the cap was 8x the limit).
    const body = gzipSync(exportOf(`otlp-limits-bomb ${"b".repeat(2 * MAX_BODY_BYTES)}`));
    expect(body.length).toBeLessThan(MAX_BODY_BYTES);
    const res = await server.app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "application/json", "content-encoding": "gzip" },
      payload: body,
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 8, error: "payload_too_large" });
    expect(await stored("otlp-limits-bomb")).toBe(0);

    const small = gzipSync(exportOf("otlp-limits-small"));
    const ok = await server.app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "application/json", "content-encoding": "gzip" },
      payload: small,
    });
    expect(ok.statusCode).toBe(200);
    expect(await stored("otlp-limits-small")).toBe(1);
  });

  it("answers 415 to a body that is neither protobuf nor JSON", async () => {
    const res = await server.app.inject({
      method: "POST",
      url: "/v1/logs",
      headers: { ...auth, "content-type": "text/plain" },
      payload: exportOf("otlp-limits-text"),
    });
    expect(res.statusCode).toBe(415);
    expect(await stored("otlp-limits-text")).toBe(0);
  });
});
