import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { keptStatement, openKeptDatabase } from "../../src/store/dialect/statement-cache.js";
import { type ServeProcess, startServe } from "../helpers/cli.js";

/**
 * Issue 50: a new data dir served by a real `logwarden serve` keeps its lines in segments. Issue 18: a
 * file the table store wrote keeps the table while LOG_STORE is unset, and is converted when a start asks
 * for LOG_STORE=segments. Every log route answers as before (ids kept, so evidence and
 * context links still resolve), new lines get ids above the old ones, and the table store then refuses
 * the file instead of serving half of it.
 */
const TOKEN = "switch-admin-token";
const dataDir = mkdtempSync(join(tmpdir(), "logwarden-store-switch-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const env = { DATA_DIR: dataDir, API_TOKEN: TOKEN, LOG_FORMAT: "json" };
const headers = { authorization: `Bearer ${TOKEN}` };

const SERVICES = ["sshd", "kernel", "nginx"];
const ndjson = Array.from({ length: 3_000 }, (_, i) =>
  JSON.stringify({
    timestamp: new Date(Date.parse("2026-05-04T10:00:00Z") + i * 1_000).toISOString(),
    service: SERVICES[i % 3],
    level: i % 17 === 0 ? "ERROR" : "INFO",
    message:
      i % 3 === 0
        ? `Failed password for user${i % 50} from 10.0.${i % 7}.${i % 250} port ${20_000 + i}`
        : i % 3 === 1
          ? `disk /dev/sd${"abc"[i % 3]}${i % 4} is at ${i % 100}%`
          : `GET /api/items/${i} 200 ${i % 900} ms`,
  }),
).join("\n");

const READS = [
  "/api/v1/logs?limit=1000",
  "/api/v1/logs?q=password%20user7&limit=1000",
  "/api/v1/logs?service=kernel&level=error&limit=1000",
  "/api/v1/logs/histogram",
  "/api/v1/logs/facets",
  "/api/v1/logs/1/context",
  "/api/v1/logs/1500/context",
];

async function answers(serve: ServeProcess): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const path of READS) {
    const res = await fetch(`${serve.url}${path}`, { headers });
    expect(res.status, path).toBe(200);
    out.push(await res.json());
  }
  return out;
}

describe("the default log store of a served data dir", () => {
  it("stores a new data dir's lines in segments when LOG_STORE is unset", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "logwarden-store-default-"));
    try {
      const serve = await startServe({ ...env, DATA_DIR: fresh }, 60_000);
      try {
        const ingest = await fetch(`${serve.url}/ingest`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/x-ndjson" },
          body: ndjson,
        });
        expect(ingest.status).toBe(200);
        const found = await fetch(`${serve.url}/api/v1/logs?q=password%20user7&limit=1000`, { headers });
        expect(((await found.json()) as unknown[]).length).toBe(20);
      } finally {
        expect(await serve.stop()).toBe(0);
      }
      const db = openKeptDatabase(join(fresh, "logwarden.db"), { readonly: true });
      expect(keptStatement(db, "select count(*) as n from logs").get()).toEqual({ n: 0 });
      expect(
        keptStatement(
          db,
          "select (select coalesce(sum(count), 0) from log_batches) + (select coalesce(sum(count), 0) from log_segments) as n",
        ).get(),
      ).toEqual({ n: 3_000 });
      db.close();
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("switching a table-store file to LOG_STORE=segments", () => {
  it("keeps the table while LOG_STORE is unset, converts at a start with LOG_STORE=segments, one way", async () => {
    const table = await startServe({ ...env, LOG_STORE: "table" }, 60_000);
    const ingest = await fetch(`${table.url}/ingest`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/x-ndjson" },
      body: ndjson,
    });
    expect(ingest.status).toBe(200);
    const before = await answers(table);
    expect(await table.stop()).toBe(0);

    // Unset, a data dir that holds the table keeps serving it, nothing converted.
    const kept = await startServe(env, 60_000);
    try {
      expect(kept.stderr()).toContain("log store: the logs table");
      expect(kept.stderr()).not.toContain("moving the logs table's lines into segments");
      expect(await answers(kept)).toEqual(before);
    } finally {
      expect(await kept.stop()).toBe(0);
    }

    const segments = await startServe({ ...env, LOG_STORE: "segments" }, 60_000);
    try {
      expect(segments.stderr()).toContain("moving the logs table's lines into segments");
      expect(await answers(segments)).toEqual(before);
      const next = await fetch(`${segments.url}/ingest`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/x-ndjson" },
        body: JSON.stringify({ service: "sshd", message: "Accepted password for deploy from 10.0.0.7" }),
      });
      expect(next.status).toBe(200);
      const found = await fetch(`${segments.url}/api/v1/logs?q=deploy`, { headers });
      expect(((await found.json()) as { id: number }[]).map((r) => r.id)).toEqual([3_001]);
    } finally {
      expect(await segments.stop()).toBe(0);
    }
    // Kept (statements not dropped, the closed database still referenced): this file runs on the Node 24 leg too, where
    // better-sqlite3 12 aborts the process when the collector frees one of its objects.
    const db = openKeptDatabase(join(dataDir, "logwarden.db"), { readonly: true });
    expect(keptStatement(db, "select count(*) as n from logs").get()).toEqual({ n: 0 });
    expect(keptStatement(db, "select coalesce(sum(count), 0) as n from log_segments").get()).toEqual({
      n: 3_000,
    });
    db.close();

    await expect(startServe({ ...env, LOG_STORE: "table" }, 60_000)).rejects.toThrow(
      /exited with 2[\s\S]*start with LOG_STORE=segments/,
    );
  }, 240_000);
});
