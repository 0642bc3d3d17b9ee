import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { isoUtc } from "../../src/core/time.js";
import { IngestRecords } from "../../src/service/ingest-records.js";
import { encodeExportRequest } from "../../src/sources/otlp/codec.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { SYSTEM_004_SAMPLE } from "../helpers/samples.js";
import { storedCount, storedWith } from "../helpers/stored-logs.js";

/**
 * Issue 45 item 2 on one node, on a real SQLite file: `POST /ingest` and `POST /v1/logs` with
 * `Idempotency-Key` store a request once however often it is sent, answer a resend like the first, refuse
 * the key with another body, and a resend while the first is under way waits for it.
 */

let server: TestServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function ingest(key: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  return server!.app.inject({
    method: "POST",
    url: "/ingest",
    headers: { ...auth, ...(key === undefined ? {} : { "idempotency-key": key }), ...headers },
    payload: body as object,
  });
}

/** The sample's three logs, each marked so a test finds exactly its own. */
function marked(marker: string) {
  return SYSTEM_004_SAMPLE.map((l) => ({ ...l, message: `${l.message} ${marker}` }));
}

async function incidentCount(): Promise<number> {
  const row = await server!.rt.store.db
    .selectFrom("incidents")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

describe("POST /ingest with Idempotency-Key (one node, SQLite)", () => {
  it("stores a resent request once and answers it like the first, incidents included", async () => {
    server = await startTestServer();
    const body = marked("resend-once");
    const first = await ingest("key-resend-1", body);
    expect(first.statusCode).toBe(200);
    expect(first.json().ingested).toBe(3);
    expect(first.json().incidents).toHaveLength(1);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();

    const again = await ingest("key-resend-1", body);
    expect(again.statusCode).toBe(200);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());

    expect(await storedWith(server.rt.logs, "resend-once")).toHaveLength(3);
    expect(await incidentCount()).toBe(1);

    // Without a key the same body is new work each time: stored again (at least once, docs/api.md).
    expect((await ingest(undefined, body)).statusCode).toBe(200);
    expect(await storedWith(server.rt.logs, "resend-once")).toHaveLength(6);
  });

  it("answers a resend after a restart on the same file from the store", async () => {
    server = await startTestServer();
    const dataDir = server.dataDir;
    const body = marked("after-restart");
    const first = await ingest("key-restart", body);
    expect(first.statusCode).toBe(200);
    await server.close(false);
    server = await startTestServer({}, { dataDir });
    const again = await ingest("key-restart", body);
    expect(again.statusCode).toBe(200);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    expect(await storedWith(server.rt.logs, "after-restart")).toHaveLength(3);
  });

  it("refuses the same key with another body (422, JSON), storing nothing of it", async () => {
    server = await startTestServer();
    expect((await ingest("key-mismatch", marked("first-body"))).statusCode).toBe(200);
    const other = await ingest("key-mismatch", marked("other-body"));
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: "idempotency_key_reused" });
    expect(other.json().message).toContain("another request body");
    expect(await storedWith(server.rt.logs, "other-body")).toHaveLength(0);
    // Another key for that body is a new request.
    expect((await ingest("key-mismatch-2", marked("other-body"))).statusCode).toBe(200);
    expect(await storedWith(server.rt.logs, "other-body")).toHaveLength(3);
  });

  it("stores concurrent requests with one key once: the later ones wait and answer like the first", async () => {
    server = await startTestServer();
    const body = marked("concurrent");
    const answers = await Promise.all(Array.from({ length: 5 }, () => ingest("key-concurrent", body)));
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 200, 200]);
    const bodies = answers.map((a) => a.json());
    for (const b of bodies) expect(b).toEqual(bodies[0]);
    expect(answers.filter((a) => a.headers["idempotent-replayed"] === "true")).toHaveLength(4);
    expect(await storedWith(server.rt.logs, "concurrent")).toHaveLength(3);
    expect(await incidentCount()).toBe(1);
  });

  it("finishes the answer of lines an attempt stored but never answered, storing nothing again", async () => {
    server = await startTestServer();
    const body = marked("stored-unanswered");
    const payload = JSON.stringify(body);
    // What a process killed between its commit and its answer leaves: the lines and the key, committed
    // together by the pipeline (the way `/ingest` submits them), and no answer.
    const digest = await digestOf(payload);
    const scope = "POST /ingest s:API_TOKEN";
    let stored = 0;
    await server.rt.idempotency
      .run(
        { scope, key: "key-unanswered", digest },
        {
          fresh: async (attempt) => {
            const records = new IngestRecords(structuredClone(body), isoUtc(Date.now()), false);
            const result = await server!.rt.ingest.submit(records, undefined, {
              idempotent: attempt.submission(() => ({ scores: {}, anomalyIds: [] })),
            });
            stored = result.refs.length;
            throw new Error("killed before answering");
          },
          finish: async () => {
            throw new Error("not reached");
          },
        },
      )
      .catch((error: Error) => expect(error.message).toBe("killed before answering"));
    expect(stored).toBe(3);

    const resent = await ingest("key-unanswered", payload, { "content-type": "application/json" });
    expect(resent.statusCode).toBe(200);
    expect(resent.json()).toMatchObject({ ingested: 3, scores: expect.any(Array) });
    expect(resent.json().incidents).toHaveLength(1);
    expect(await storedWith(server.rt.logs, "stored-unanswered")).toHaveLength(3);
    // Answered now: the next resend gets that answer back.
    const third = await ingest("key-unanswered", payload, { "content-type": "application/json" });
    expect(third.headers["idempotent-replayed"]).toBe("true");
    expect(third.json()).toEqual(resent.json());
    expect(await incidentCount()).toBe(1);
  });

  it("forgets a key after INGEST_IDEMPOTENCY_HOURS: the same request is then new", async () => {
    const clock = new FakeClock(Date.now());
    server = await startTestServer({ INGEST_IDEMPOTENCY_HOURS: "1" }, { clock });
    const body = marked("expiring");
    expect((await ingest("key-expiring", body)).statusCode).toBe(200);
    clock.advance(30 * 60_000);
    expect((await ingest("key-expiring", body)).headers["idempotent-replayed"]).toBe("true");
    clock.advance(31 * 60_000);
    expect(await server.rt.idempotency.sweep()).toBe(1);
    const later = await ingest("key-expiring", body);
    expect(later.statusCode).toBe(200);
    expect(later.headers["idempotent-replayed"]).toBeUndefined();
    expect(await storedWith(server.rt.logs, "expiring")).toHaveLength(6);
  });

  it("refuses a malformed key with a 400 JSON error before storing anything", async () => {
    server = await startTestServer();
    for (const bad of ["", "has space", "x".repeat(256), "tab\there", "ünïcode"]) {
      const res = await ingest(bad, marked("bad-key"));
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json()).toMatchObject({ error: "validation_error" });
      expect(res.json().message).toContain("idempotency-key");
      expect(res.body).not.toContain("    at ");
    }
    expect(await storedCount(server.rt.logs)).toBe(0);
  });

  it("keys are per credential: another token's same key is another request", async () => {
    server = await startTestServer({ API_TOKENS: "second-token-0123456789abcdef" });
    const body = marked("per-token");
    expect((await ingest("shared-key", body)).statusCode).toBe(200);
    const other = await ingest("shared-key", body, {
      authorization: "Bearer second-token-0123456789abcdef",
    });
    expect(other.statusCode).toBe(200);
    expect(other.headers["idempotent-replayed"]).toBeUndefined();
    expect(await storedWith(server.rt.logs, "per-token")).toHaveLength(6);
  });

  it("stores an NDJSON body with a key once", async () => {
    server = await startTestServer();
    const ndjson = `${marked("ndjson-key")
      .map((l) => JSON.stringify(l))
      .join("\n")}\n`;
    const headers = { "content-type": "application/x-ndjson" };
    const first = await ingest("key-ndjson", ndjson, headers);
    const again = await ingest("key-ndjson", ndjson, headers);
    expect(first.statusCode).toBe(200);
    expect(again.json()).toEqual(first.json());
    expect(await storedWith(server.rt.logs, "ndjson-key")).toHaveLength(3);
  });
});

describe("POST /v1/logs with Idempotency-Key (one node, SQLite)", () => {
  const exportOf = (marker: string) => ({
    resourceLogs: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "checkout" } }] },
        scopeLogs: [
          {
            logRecords: [
              { timeUnixNano: "1767225600000000000", body: { stringValue: `paid ${marker}` } },
              { timeUnixNano: "1767225601000000000", body: { stringValue: `shipped ${marker}` } },
            ],
          },
        ],
      },
    ],
  });

  it("stores a resent OTLP/JSON export once and answers it like the first", async () => {
    server = await startTestServer();
    const post = (key: string, payload: string) =>
      server!.app.inject({
        method: "POST",
        url: "/v1/logs",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": key },
        payload,
      });
    const payload = JSON.stringify(exportOf("otlp-json-key"));
    const first = await post("otlp-1", payload);
    const again = await post("otlp-1", payload);
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.body).toBe(first.body);
    expect(await storedWith(server.rt.logs, "otlp-json-key")).toHaveLength(2);
    const other = await post("otlp-1", JSON.stringify(exportOf("otlp-other")));
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ error: "idempotency_key_reused" });
  });

  it("refuses a malformed key with a 400 JSON error, not a 500 (the hostile-input fuzzer's find)", async () => {
    server = await startTestServer();
    for (const bad of ["a OR", "' OR '1'='1", ""]) {
      const res = await server.app.inject({
        method: "POST",
        url: "/v1/logs",
        headers: { ...auth, "content-type": "application/json", "idempotency-key": bad },
        payload: JSON.stringify(exportOf("otlp-bad-key")),
      });
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(res.json()).toMatchObject({ error: "validation_error" });
      expect(res.json().message).toContain("idempotency-key");
    }
    expect(await storedWith(server.rt.logs, "otlp-bad-key")).toHaveLength(0);
  });

  it("stores a resent OTLP/protobuf export once and gives the same bytes back", async () => {
    server = await startTestServer();
    const bytes = Buffer.from(encodeExportRequest(exportOf("otlp-proto-key")));
    const post = () =>
      server!.app.inject({
        method: "POST",
        url: "/v1/logs",
        headers: { ...auth, "content-type": "application/x-protobuf", "idempotency-key": "otlp-proto" },
        payload: bytes,
      });
    const first = await post();
    const again = await post();
    expect(first.statusCode).toBe(200);
    expect(again.headers["content-type"]).toBe("application/x-protobuf");
    expect(again.rawPayload.equals(first.rawPayload)).toBe(true);
    expect(await storedWith(server.rt.logs, "otlp-proto-key")).toHaveLength(2);
  });
});

describe("the doors that do not take Idempotency-Key", () => {
  it("/analyze refuses it with ?persist=true (stored in several transactions), and ignores it otherwise", async () => {
    server = await startTestServer();
    const logs = [{ user: "root", action: "failed", message: "Failed password for root analyze-key" }];
    const analyze = (url: string) =>
      server!.app.inject({
        method: "POST",
        url,
        headers: { ...auth, "idempotency-key": "analyze-1" },
        payload: { logs },
      });
    const persisted = await analyze("/analyze?persist=true");
    expect(persisted.statusCode).toBe(400);
    expect(persisted.json()).toMatchObject({ error: "bad_request" });
    expect(persisted.json().detail).toContain("POST /ingest");
    expect(await storedWith(server.rt.logs, "analyze-key")).toHaveLength(0);
    const plain = await analyze("/analyze");
    expect(plain.statusCode).toBe(200);
    expect(plain.json().total_events).toBe(1);
  });
});

/** The digest `/ingest` takes of a JSON body sent by inject with this payload. */
async function digestOf(payload: string): Promise<string> {
  const { createHash } = await import("node:crypto");
  return createHash("sha256").update("POST /ingest\n").update(payload).digest("hex");
}
