import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { openStore, type Store } from "../../../src/store/db.js";
import { s3ObjectStore } from "../../../src/store/segments/s3-objects.js";
import type { SealStep } from "../../../src/store/segments/sealer.js";
import { s3SegmentBytes } from "../../../src/store/segments/segment-bytes-s3.js";
import { type SegmentLogStore, segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { testScript } from "../../helpers/cli.js";
import { startS3Server, type TestS3Server } from "../../helpers/s3-server.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../../helpers/stores.js";

const T0 = Date.parse("2026-05-04T10:00:00.000Z");
const STORED_AT = "2026-05-04T14:00:00.000Z";

/** `n` records from `start`, one a minute, two services, messages that fit their template but one in 9. */
function records(n: number, start = 0): RecordToAppend[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    const timestamp = new Date(T0 + i * 60_000).toISOString();
    const service = i % 2 === 0 ? "api" : "db";
    return {
      timestamp,
      observedTimestamp: timestamp,
      severityText: i % 5 === 0 ? "ERROR" : "INFO",
      severityNumber: i % 5 === 0 ? 17 : 9,
      body: i % 9 === 0 ? `odd line ${i}` : `request ${i} took ${i % 17} ms`,
      attributes: { i },
      resource: { "service.name": service },
      stream: service,
      templateId: `${service}-request`,
      template: "request <*> took <*> ms",
      params: null,
    };
  });
}

let s3: TestS3Server | null = null;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

const settings = (prefix: string) => ({
  endpoint: s3!.endpoint,
  bucket: s3!.bucket,
  region: "us-east-1",
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
  prefix,
});

/** A segment store on `store` sealing into the test bucket under `prefix`. */
function s3Store(store: Store, prefix: string, orphanGraceMs?: number): SegmentLogStore {
  return segmentLogStore(store, {
    segmentLines: 64,
    segmentBytes: s3SegmentBytes(settings(prefix), orphanGraceMs === undefined ? {} : { orphanGraceMs }),
  });
}

/** Every key in the bucket under `prefix`, sorted. */
async function bucketKeys(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of s3ObjectStore(settings(prefix)).list(prefix)) keys.push(...page.map((o) => o.key));
  return keys.sort();
}

/** The catalogue's rows: how many batches, and each segment's key and `data` length. */
async function catalogue(store: Store) {
  const batches = await store.db.selectFrom("log_batches").select("first_ref").execute();
  const segments = await store.db.selectFrom("log_segments").select(["object_key", "data"]).execute();
  return {
    batches: batches.length,
    keys: segments.map((s) => s.object_key).sort(),
    dataBytes: segments.reduce((sum, s) => sum + s.data.length, 0),
  };
}

async function appendBatches(store: Store, logs: SegmentLogStore, sizes: number[], from = 0) {
  const all: RecordToAppend[] = [];
  for (const size of sizes) {
    const part = records(size, from + all.length);
    await store.transaction((tx) => logs.append(tx, part, STORED_AT));
    all.push(...part);
  }
  return all;
}

/** Every appended record is stored once, as appended (references 1…n), by search and by reference. */
async function expectEachOnce(logs: SegmentLogStore, appended: RecordToAppend[]): Promise<void> {
  const found = await logs.search({}, { limit: appended.length + 10 });
  expect(found.map((r) => r.ref).sort((a, b) => a - b)).toEqual(appended.map((_, i) => i + 1));
  const got = await logs.get(appended.map((_, i) => i + 1));
  expect(got.map((r) => [r.ref, r.message, r.timestamp])).toEqual(
    appended.map((r, i) => [i + 1, r.body, r.timestamp]),
  );
}

const uniquePrefix = () => `t-${process.pid}-${Math.random().toString(36).slice(2, 8)}/`;

describe.each(DIALECTS)("segments in S3 with the catalogue on $name", ({ open, needsPostgres }) => {
  const withStore = async (test: (t: TestStore) => Promise<void>) => {
    const t = await open();
    try {
      await test(t);
    } finally {
      await t.cleanup();
    }
  };
  const ready = async () => s3 !== null && (!needsPostgres || (await postgresAvailable()));

  it("appends, seals into objects, reads back and searches", async (ctx) => {
    if (!(await ready())) return ctx.skip();
    await withStore(async ({ store }) => {
      const prefix = uniquePrefix();
      const logs = s3Store(store, prefix);
      const appended = await appendBatches(store, logs, [40, 30, 50, 200, 100]);
      while ((await logs.seal()).batches > 0);
      const rows = await catalogue(store);
      // Every segment's bytes are one object its row names; none in the database.
      expect(rows.batches).toBe(0);
      expect(rows.keys.length).toBeGreaterThanOrEqual(5);
      expect(rows.keys.every((k) => k?.startsWith(`${prefix}segments/`))).toBe(true);
      expect(rows.dataBytes).toBe(0);
      expect(await bucketKeys(prefix)).toEqual(rows.keys);
      await expectEachOnce(logs, appended);
      // A fresh store (another process's caches: nothing decoded yet) reads the objects too.
      const fresh = s3Store(store, prefix);
      await expectEachOnce(fresh, appended);
      const odd = appended.flatMap((r, i) => (r.body.startsWith("odd line") ? [i + 1] : []));
      const hits = await fresh.search({ text: "odd line" }, { limit: 1_000 });
      expect(hits.map((r) => r.ref).sort((a, b) => a - b)).toEqual(odd);
      expect(await fresh.countBy({}, "service")).toEqual([
        { value: "api", count: 210 },
        { value: "db", count: 210 },
      ]);
      const errors = await fresh.search({ minSeverityNumber: 17, service: "db" }, { limit: 1_000 });
      expect(errors).toHaveLength(appended.filter((r, i) => i % 2 === 1 && r.severityNumber === 17).length);
    });
  });

  it("deletes the objects a seal put when its transaction fails (nothing lost, no orphan left)", async (ctx) => {
    if (!(await ready())) return ctx.skip();
    await withStore(async ({ store }) => {
      const prefix = uniquePrefix();
      const failing = segmentLogStore(store, {
        segmentLines: 64,
        segmentBytes: s3SegmentBytes(settings(prefix)),
        onSealStep: (s) => {
          if (s === "inserted") throw new Error("fault after inserted");
        },
      });
      const appended = await appendBatches(store, failing, [40, 30, 50]);
      await expect(failing.seal()).rejects.toThrow("fault after inserted");
      expect(await catalogue(store)).toEqual({ batches: 3, keys: [], dataBytes: 0 });
      expect(await bucketKeys(prefix)).toEqual([]);
      await expectEachOnce(failing, appended);
    });
  });

  describe("a sealing process killed between its PUT and its commit", () => {
    const child = testScript(new URL("./s3-seal-crash-child.ts", import.meta.url));

    it.for<SealStep>(["placed", "inserted"])(
      "with SIGKILL after '%s': no line lost, the orphans collected, no committed object touched",
      async (step, ctx) => {
        if (!(await ready())) return ctx.skip();
        await withStore(async ({ store, url }) => {
          const prefix = uniquePrefix();
          const appended = await appendBatches(store, s3Store(store, prefix), [40, 30, 50]);
          const run = spawnSync(process.execPath, [...child, url, step, s3!.endpoint, s3!.bucket, prefix], {
            encoding: "utf8",
            timeout: 60_000,
          });
          expect(run.signal, run.stderr).toBe("SIGKILL");
          // A fresh connection, as a restarted process opens the store.
          const reopened = openStore({ url });
          try {
            // The batches are as they were; the child's objects are in the bucket, named by no row.
            const orphans = await bucketKeys(prefix);
            expect(orphans.length).toBeGreaterThan(0);
            expect(await catalogue(reopened)).toEqual({ batches: 3, keys: [], dataBytes: 0 });
            const young = s3Store(reopened, prefix);
            await expectEachOnce(young, appended);
            // Within the grace period an unnamed object may be a seal about to commit: kept.
            expect(await young.collectOrphans(new Date())).toEqual({ listed: orphans.length, deleted: 0 });
            expect(await bucketKeys(prefix)).toEqual(orphans);

            // The restarted seal puts objects of its own (new keys) and commits them.
            const after = s3Store(reopened, prefix, 0);
            expect(await after.seal()).toMatchObject({ batches: 3, lines: 120 });
            const committed = (await catalogue(reopened)).keys as string[];
            expect(committed.some((k) => orphans.includes(k))).toBe(false);
            // Past the grace period: the orphans go, every object a row names stays.
            const sweep = await after.collectOrphans(new Date());
            expect(sweep).toEqual({ listed: orphans.length + committed.length, deleted: orphans.length });
            expect(await bucketKeys(prefix)).toEqual(committed);
            await expectEachOnce(s3Store(reopened, prefix), appended);
          } finally {
            await reopened.close();
          }
        });
      },
    );
  });

  it("retention deletes the dropped segments' objects after their rows", async (ctx) => {
    if (!(await ready())) return ctx.skip();
    await withStore(async ({ store }) => {
      const prefix = uniquePrefix();
      const logs = s3Store(store, prefix);
      const appended = await appendBatches(store, logs, [64, 64, 64, 64]);
      while ((await logs.seal()).batches > 0);
      const before = (await catalogue(store)).keys;
      expect(before).toHaveLength(4);
      // Records are a minute apart: the first two segments end before minute 128.
      const dropped = await logs.dropBefore(new Date(T0 + 128 * 60_000).toISOString());
      expect(dropped).toEqual({ segments: 2, batches: 0 });
      const kept = (await catalogue(store)).keys;
      expect(kept).toHaveLength(2);
      expect(await bucketKeys(prefix)).toEqual(kept);
      const found = await logs.search({}, { limit: 1_000 });
      expect(found.map((r) => r.ref).sort((a, b) => a - b)).toEqual(
        appended.slice(128).map((_, i) => 129 + i),
      );

      // A sweep that died after its commit and before deleting the objects: rows gone, objects left.
      const last = await store.db
        .selectFrom("log_segments")
        .select(["id", "object_key"])
        .orderBy("id")
        .execute();
      await store.db.deleteFrom("log_segment_digits").where("segment_id", "=", last[0]!.id).execute();
      await store.db.deleteFrom("log_segments").where("id", "=", last[0]!.id).execute();
      expect(await bucketKeys(prefix)).toEqual(kept);
      expect(await s3Store(store, prefix, 0).collectOrphans(new Date())).toEqual({ listed: 2, deleted: 1 });
      expect(await bucketKeys(prefix)).toEqual([last[1]!.object_key]);
    });
  });

  it("collects only its own prefix's segment objects", async (ctx) => {
    if (!(await ready())) return ctx.skip();
    await withStore(async ({ store }) => {
      const prefix = uniquePrefix();
      const other = uniquePrefix();
      const objects = s3ObjectStore(settings(""));
      await objects.put(`${other}segments/0000000000000001-aaaaaaaaaaaa`, new Uint8Array([1]));
      await objects.put(`${prefix}notes/kept`, new Uint8Array([2]));
      await objects.put(`${prefix}segments/0000000000000001-bbbbbbbbbbbb`, new Uint8Array([3]));
      const sweep = await s3Store(store, prefix, 0).collectOrphans(new Date());
      expect(sweep).toEqual({ listed: 1, deleted: 1 });
      expect(await bucketKeys(other)).toEqual([`${other}segments/0000000000000001-aaaaaaaaaaaa`]);
      expect(await bucketKeys(prefix)).toEqual([`${prefix}notes/kept`]);
    });
  });
});
