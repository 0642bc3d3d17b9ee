import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ResponseCache } from "../../src/api/response-cache.js";
import { keptStatement, openKeptDatabase } from "../../src/store/dialect/statement-cache.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { changeAnomalyStatus } from "../../src/store/repos/anomaly-search.js";
import { auth, startTestServer, type TestServer } from "../helpers/runtime.js";
import { wifiAnomaly } from "../helpers/samples.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const anomaly = (i: number, timestamp: string) =>
  wifiAnomaly({
    key: `dev-${i}`,
    timestamp,
    description: `disassociation burst ${i}`,
    features: { log_count: 420 + i },
    evidence: [],
  });

async function list(s: TestServer, query = ""): Promise<{ id: number; description: string }[]> {
  const res = await s.app.inject({ url: `/api/v1/anomalies${query}`, headers: auth });
  expect(res.statusCode).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  return res.json();
}

describe("GET /api/v1/anomalies: cached pages never go stale", () => {
  it("shows a new anomaly, a status change and a delete made after the page was cached", async () => {
    server = await startTestServer();
    const db = server.rt.store.db;
    await storeAnomalies(db, [anomaly(1, "2025-03-02T08:00:00.000Z")], "2025-03-02T08:00:01.000Z");
    expect((await list(server)).map((a) => a.description)).toEqual(["disassociation burst 1"]);
    // Same page again (served from the cache), then a write: the next read must see it.
    expect(await list(server, "?limit=100")).toEqual(await list(server));
    await storeAnomalies(db, [anomaly(2, "2025-03-02T09:00:00.000Z")], "2025-03-02T09:00:01.000Z");
    expect((await list(server)).map((a) => a.description)).toEqual([
      "disassociation burst 2",
      "disassociation burst 1",
    ]);

    const open = await list(server, "?status=open");
    expect(open).toHaveLength(2);
    await changeAnomalyStatus(
      db,
      { id: open[0]!.id, status: "resolved", comment: null, actor: "test" },
      "2025-03-02T09:05:00.000Z",
    );
    expect((await list(server, "?status=open")).map((a) => a.id)).toEqual([open[1]!.id]);

    await db.deleteFrom("anomalies").where("id", "=", open[1]!.id).execute();
    expect((await list(server)).map((a) => a.id)).toEqual([open[0]!.id]);
  });

  it("shows rows written by another process's connection to the same file", async () => {
    server = await startTestServer();
    await storeAnomalies(
      server.rt.store.db,
      [anomaly(1, "2025-03-02T08:00:00.000Z")],
      "2025-03-02T08:00:01.000Z",
    );
    expect(await list(server)).toHaveLength(1);
    const other = openKeptDatabase(join(server.dataDir, "logwarden.db"));
    try {
      keptStatement(
        other,
        `insert into anomalies (agent_name, timestamp, anomaly_type, confidence, description, created_at,
             severity, service, key, status, explanation, evidence, count, last_seen, updated_at)
           values ('wifi', '2025-03-03T00:00:00.000Z', 'wifi_anomaly', 0.9, 'from elsewhere',
             '2025-03-03T00:00:00.000Z', 'high', 'wifi', 'dev-9', 'open', '{}', '[]', 1,
             '2025-03-03T00:00:00.000Z', '2025-03-03T00:00:00.000Z')`,
      ).run();
    } finally {
      other.close();
    }
    expect((await list(server)).map((a) => a.description)).toEqual([
      "from elsewhere",
      "disassociation burst 1",
    ]);
  });

  it("never shows, nor caches, rows of a transaction that rolls back", async () => {
    server = await startTestServer();
    const s = server;
    const db = s.rt.store.db;
    await storeAnomalies(db, [anomaly(1, "2025-03-02T08:00:00.000Z")], "2025-03-02T08:00:01.000Z");
    expect(await list(s)).toHaveLength(1);
    let pending: Promise<{ description: string }[]> | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        await storeAnomalies(trx, [anomaly(2, "2025-03-02T09:00:00.000Z")], "2025-03-02T09:00:01.000Z");
        // Asked while the transaction holds the connection: answered after it ends.
        pending = list(s);
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect((await pending!).map((a) => a.description)).toEqual(["disassociation burst 1"]);
    expect((await list(s)).map((a) => a.description)).toEqual(["disassociation burst 1"]);
  });

  it("answers equivalent spellings of a query from one cached page", async () => {
    server = await startTestServer();
    await storeAnomalies(
      server.rt.store.db,
      [
        anomaly(1, "2025-03-02T08:00:00.000Z"),
        { ...anomaly(2, "2025-03-02T09:00:00.000Z"), severity: "low" },
      ],
      "2025-03-02T09:00:01.000Z",
    );
    // Each pair names one page: the second request is answered from the first one's cache entry.
    const pairs = [
      ["", "?offset=0&limit=100"],
      ["?severity=high,low", "?severity=low,high"],
    ];
    for (const [a, b] of pairs) {
      expect(JSON.stringify(await list(server, b))).toBe(JSON.stringify(await list(server, a)));
    }
    await list(server, "?status=open&severity=low,high");
    const metrics = (await server.app.inject({ url: "/metrics", headers: auth })).body;
    // Three distinct pages were read; every other request was a hit.
    expect(metrics).toMatch(/^logwarden_anomaly_page_cache_lookups_total\{result="miss"\} 3$/m);
    expect(metrics).toMatch(/^logwarden_anomaly_page_cache_lookups_total\{result="hit"\} 2$/m);
  });

  it("keeps the next-page cursor of a cached full page", async () => {
    server = await startTestServer();
    await storeAnomalies(
      server.rt.store.db,
      [anomaly(1, "2025-03-02T08:00:00.000Z"), anomaly(2, "2025-03-02T09:00:00.000Z")],
      "2025-03-02T09:00:01.000Z",
    );
    const first = await server.app.inject({ url: "/api/v1/anomalies?limit=1", headers: auth });
    const again = await server.app.inject({ url: "/api/v1/anomalies?limit=1", headers: auth });
    expect(first.headers["x-next-cursor"]).toBeTruthy();
    expect(again.headers["x-next-cursor"]).toBe(first.headers["x-next-cursor"]);
    expect(again.headers.link).toBe(first.headers.link);
    expect(again.body).toBe(first.body);
  });
});

describe("ResponseCache", () => {
  const entry = (version: number, text = "[]") => ({ version, body: Buffer.from(text), meta: {} });

  it("serves an entry only at the version it was built at", () => {
    const cache = new ResponseCache<object>();
    cache.set("a", entry(3));
    expect(cache.get("a", 3)?.body.toString()).toBe("[]");
    expect(cache.get("a", 4)).toBeUndefined();
    // A mismatch drops the entry: it can never be valid again.
    expect(cache.get("a", 3)).toBeUndefined();
  });

  it("evicts the least recently used entry and skips bodies over the size cap", () => {
    const cache = new ResponseCache<object>(2, 10);
    cache.set("a", entry(1));
    cache.set("b", entry(1));
    cache.get("a", 1);
    cache.set("c", entry(1));
    expect(cache.get("b", 1)).toBeUndefined();
    expect(cache.get("a", 1)).toBeDefined();
    cache.set("big", entry(1, "x".repeat(11)));
    expect(cache.get("big", 1)).toBeUndefined();
    expect(cache.size).toBe(2);
  });

  it("keeps the bodies' total under its byte budget, dropping the least recently used", () => {
    const cache = new ResponseCache<object>(100, 10, 12);
    cache.set("a", entry(1, "x".repeat(5)));
    cache.set("b", entry(1, "x".repeat(5)));
    expect(cache.totalBytes).toBe(10);
    cache.set("c", entry(1, "x".repeat(5)));
    expect(cache.get("a", 1)).toBeUndefined();
    expect(cache.totalBytes).toBe(10);
    // Replacing an entry counts its new size only; a version mismatch frees its bytes.
    cache.set("c", entry(2, "x".repeat(2)));
    expect(cache.totalBytes).toBe(7);
    expect(cache.get("b", 9)).toBeUndefined();
    expect(cache.totalBytes).toBe(2);
  });
});
