import { afterEach, describe, expect, it } from "vitest";
import {
  DECODE_THREAD_MIN_BYTES,
  IngestDecodeThreads,
  ingestDecodeThreadsOf,
} from "../../../src/api/ingest-decode/decode-threads.js";
import { FakeClock } from "../../../src/core/clock.js";
import { LOGHUB_SYSTEMS, loghubLines } from "../../helpers/loghub.js";
import { auth, startTestServer, type TestServer } from "../../helpers/runtime.js";

const servers: TestServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server whose `/ingest` decodes large NDJSON bodies on `threads` decode threads (0: the event loop). */
async function serverWith(threads: number, logStore = "table"): Promise<TestServer> {
  const server = await startTestServer(
    { INGEST_DECODE_THREADS: String(threads), LOG_STORE: logStore },
    { clock: new FakeClock("2026-05-06T07:08:09.000Z") },
  );
  servers.push(server);
  return server;
}

function postNdjson(server: TestServer, payload: string) {
  return server.app.inject({
    method: "POST",
    url: "/ingest",
    headers: { ...auth, "content-type": "application/x-ndjson" },
    payload,
  });
}

/** LogHub lines in system 004's shape, with a few values `/ingest` warns about and errors that score. */
function body(): string {
  const lines = LOGHUB_SYSTEMS.flatMap((system) =>
    loghubLines(system)
      .slice(0, 150)
      .map((message, i) => ({
        timestamp: i % 97 === 5 ? "yesterday" : new Date(Date.UTC(2026, 4, 6, 7, 0, i)).toISOString(),
        ...(i % 89 === 3 ? {} : { service: system }),
        level: i % 50 === 7 ? "ERROR" : i % 83 === 4 ? "nope" : "INFO",
        message,
        metadata: { n: i, lone: i === 11 ? "\ud800" : "x" },
      })),
  );
  return `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`;
}

describe("POST /ingest with a decode thread", () => {
  it("answers and stores exactly what decoding on the event loop does", async () => {
    const payload = body();
    expect(Buffer.byteLength(payload)).toBeGreaterThan(DECODE_THREAD_MIN_BYTES);
    const [threaded, onLoop] = await Promise.all([serverWith(1), serverWith(0)]);
    const [a, b] = [await postNdjson(threaded, payload), await postNdjson(onLoop, payload)];
    expect(a.statusCode).toBe(200);
    expect(a.json()).toEqual(b.json());
    expect(a.json().ingested).toBe(1_500);
    expect(a.json().warnings.count).toBeGreaterThan(0);
    expect(a.json().incidents.length).toBeGreaterThan(0);
    // The thread decoded it; the other server decoded on its event loop.
    expect(ingestDecodeThreadsOf(threaded.rt).decoded).toBe(1);
    expect(ingestDecodeThreadsOf(onLoop.rt).decoded).toBe(0);
    // System 004's table, as its readers see it.
    const rows = async (s: TestServer) =>
      s.rt.store.db.selectFrom("logs").selectAll().orderBy("id").execute();
    const stored = await rows(threaded);
    expect(stored).toHaveLength(1_500);
    expect(stored).toEqual(await rows(onLoop));
    expect(stored.filter((r) => r.metadata.includes('"lone":"\\ud800"'))).toHaveLength(LOGHUB_SYSTEMS.length);
  });

  it("stores the same lines in the segment store", async () => {
    const payload = body();
    const [threaded, onLoop] = await Promise.all([serverWith(1, "segments"), serverWith(0, "segments")]);
    const [a, b] = [await postNdjson(threaded, payload), await postNdjson(onLoop, payload)];
    expect(a.json()).toEqual(b.json());
    expect(ingestDecodeThreadsOf(threaded.rt).decoded).toBe(1);
    const page = (s: TestServer) => s.app.inject({ url: "/api/v1/logs?limit=1000", headers: auth });
    const [x, y] = [await page(threaded), await page(onLoop)];
    expect(x.statusCode).toBe(200);
    expect(x.json()).toHaveLength(1_000);
    expect(x.json()).toEqual(y.json());
  });

  it("words a bad body's error as the event loop does", async () => {
    const lines = body().split("\n");
    lines[700] = "{not json";
    const bad = lines.join("\n");
    const [threaded, onLoop] = await Promise.all([serverWith(1), serverWith(0)]);
    const [a, b] = [await postNdjson(threaded, bad), await postNdjson(onLoop, bad)];
    expect(a.statusCode).toBe(400);
    expect(a.json()).toEqual(b.json());
    expect(a.json().message).toContain("line 701");
    lines[700] = JSON.stringify({ message: 7 });
    const [c, d] = [await postNdjson(threaded, lines.join("\n")), await postNdjson(onLoop, lines.join("\n"))];
    expect(c.statusCode).toBe(400);
    expect(c.json()).toEqual(d.json());
    expect(ingestDecodeThreadsOf(threaded.rt).decoded).toBe(0);
  });

  it("starts its thread when the server listens, not at the first body", async () => {
    const threaded = await serverWith(1);
    expect(ingestDecodeThreadsOf(threaded.rt).started).toBe(0);
    await threaded.app.listen({ port: 0, host: "127.0.0.1" });
    expect(ingestDecodeThreadsOf(threaded.rt).started).toBe(1);
  });

  it("decodes on the event loop once its threads are stopped", async () => {
    const threaded = await serverWith(1);
    await ingestDecodeThreadsOf(threaded.rt).stop();
    const res = await postNdjson(threaded, body());
    expect(res.statusCode).toBe(200);
    expect(res.json().ingested).toBe(1_500);
    expect(ingestDecodeThreadsOf(threaded.rt).decoded).toBe(0);
  });

  it("hands a body back to the event loop when its thread dies, and every body after it", async () => {
    const errors: unknown[] = [];
    const threads = new IngestDecodeThreads(
      1,
      { error: (...args: unknown[]) => errors.push(args) },
      { module: new URL("./failing-thread.ts", import.meta.url).href, main: "failOnFirstBody" },
    );
    try {
      const bytes = Buffer.from(body());
      await expect(threads.decode(bytes, "2026-05-06T07:08:09.000Z")).resolves.toBeNull();
      expect(threads.active).toBe(false);
      await expect(threads.decode(bytes, "2026-05-06T07:08:09.000Z")).resolves.toBeNull();
      expect(errors).toHaveLength(1);
    } finally {
      await threads.stop();
    }
  });
});
