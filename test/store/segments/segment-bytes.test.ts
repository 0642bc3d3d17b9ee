import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeSegment, readSegmentMeta, splitStoredDigits } from "../../../src/store/columnar/index.js";
import type { Store } from "../../../src/store/db.js";
import { s3ObjectStore } from "../../../src/store/segments/s3-objects.js";
import { insertSegment, placeSegments } from "../../../src/store/segments/sealer.js";
import {
  type SegmentBytes,
  SegmentObjectMissing,
  SegmentObjectUnreadable,
} from "../../../src/store/segments/segment-bytes.js";
import { databaseSegmentBytes } from "../../../src/store/segments/segment-bytes-db.js";
import { s3SegmentBytes } from "../../../src/store/segments/segment-bytes-s3.js";
import { startS3Server, type TestS3Server } from "../../helpers/s3-server.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../../helpers/stores.js";
import { apiRecord } from "../columnar/segment-records.js";

/** A real sealed segment of `n` lines from `firstRef`: the bytes a seal puts (its digit filter split off). */
function sealedSegment(firstRef: number, n = 300): Uint8Array {
  const records = Array.from({ length: n }, (_, i) =>
    apiRecord({
      timestamp: new Date(Date.UTC(2026, 10, 1) + i * 1_000).toISOString(),
      template: "order <*> paid",
      message: `order ${9_000_000 + i * 7_919} paid`,
    }),
  );
  return encodeSegment(firstRef, records);
}

/** Puts `sealed` through `bytes` and commits its row, as a seal does; the row's id and the stored bytes. */
async function storeSegment(store: Store, bytes: SegmentBytes, sealed: Uint8Array) {
  const [placed] = await placeSegments(bytes, [sealed]);
  await store.transaction((tx) => insertSegment(tx, placed!, "2026-11-29T00:00:00.000Z"));
  const row = await store.db
    .selectFrom("log_segments")
    .select(["id", "object_key", "data"])
    .where("first_ref", "=", readSegmentMeta(splitStoredDigits(sealed).segment).firstRef)
    .executeTakeFirstOrThrow();
  return {
    id: row.id,
    objectKey: row.object_key,
    rowData: row.data,
    stored: splitStoredDigits(sealed).segment,
  };
}

let s3: TestS3Server | null = null;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

const s3Settings = (prefix: string) => ({
  endpoint: s3!.endpoint,
  bucket: s3!.bucket,
  region: "us-east-1",
  accessKeyId: "S3RVER",
  secretAccessKey: "S3RVER",
  prefix,
});

describe("the S3 bucket itself (s3rver, a real S3-protocol server)", () => {
  it("puts, gets whole and by range, lists and deletes objects", async (ctx) => {
    if (!s3) return ctx.skip();
    const objects = s3ObjectStore({ ...s3Settings("raw/") });
    const bytes = Uint8Array.from({ length: 5_000 }, (_, i) => (i * 31) % 256);
    await objects.put("raw/a", bytes);
    await objects.put("raw/b", bytes.subarray(0, 10));
    expect(await objects.get("raw/a")).toEqual(bytes);
    expect(await objects.get("raw/a", { offset: 1_000, length: 17 })).toEqual(bytes.subarray(1_000, 1_017));
    // A range running past the end gives what is there; one starting past it gives nothing.
    expect(await objects.get("raw/a", { offset: 4_990, length: 100 })).toEqual(bytes.subarray(4_990));
    expect(await objects.get("raw/a", { offset: 6_000, length: 10 })).toEqual(new Uint8Array(0));
    expect(await objects.get("raw/missing")).toBeNull();
    const listed: string[] = [];
    for await (const page of objects.list("raw/")) listed.push(...page.map((o) => o.key));
    expect(listed.sort()).toEqual(["raw/a", "raw/b"]);
    await objects.deleteMany(["raw/a", "raw/b", "raw/never-there"]);
    expect(await objects.get("raw/a")).toBeNull();
    for await (const page of objects.list("raw/")) expect(page).toEqual([]);
  });
});

describe.each(DIALECTS)("segment bytes with the catalogue on $name", ({ open, needsPostgres }) => {
  const withStore = async (test: (t: TestStore) => Promise<void>) => {
    const t = await open();
    try {
      await test(t);
    } finally {
      await t.cleanup();
    }
  };
  const available = async () => !needsPostgres || (await postgresAvailable());

  it("database: keeps the bytes in the row as before, whole and by range; gone with its row", async (ctx) => {
    if (!(await available())) return ctx.skip();
    await withStore(async ({ store }) => {
      const bytes = databaseSegmentBytes();
      const seg = await storeSegment(store, bytes, sealedSegment(1));
      // What a seal wrote before object storage: the bytes in `data`, no key.
      expect(seg.objectKey).toBeNull();
      expect(new Uint8Array(seg.rowData)).toEqual(seg.stored);
      expect(new Uint8Array((await bytes.get(store, seg.id))!)).toEqual(seg.stored);
      expect(new Uint8Array((await bytes.get(store, seg.id, { offset: 7, length: 100 }))!)).toEqual(
        seg.stored.subarray(7, 107),
      );
      expect(
        new Uint8Array((await bytes.get(store, seg.id, { offset: seg.stored.length - 5, length: 50 }))!),
      ).toEqual(seg.stored.subarray(seg.stored.length - 5));
      expect((await bytes.get(store, seg.id, { offset: 0, length: 0 }))!.length).toBe(0);
      await expect(bytes.get(store, seg.id, { offset: -1, length: 4 })).rejects.toBeInstanceOf(RangeError);
      await store.db.deleteFrom("log_segments").where("id", "=", seg.id).execute();
      expect(await bytes.get(store, seg.id)).toBeNull();
      expect((await bytes.collectOrphans(store, new Date())).listed).toBe(0);
    });
  });

  it("s3: one object a segment, the row naming it with an empty data; whole, ranges, delete", async (ctx) => {
    if (!s3 || !(await available())) return ctx.skip();
    await withStore(async ({ store }) => {
      const prefix = `rt-${Math.random().toString(36).slice(2, 8)}/`;
      const objects = s3ObjectStore(s3Settings(prefix));
      const bytes = s3SegmentBytes(s3Settings(prefix));
      const seg = await storeSegment(store, bytes, sealedSegment(1_000_001));
      expect(seg.objectKey).toMatch(new RegExp(`^${prefix}segments/0000000001000001-[0-9a-f]{12}$`));
      expect(seg.rowData.length).toBe(0);
      expect(await objects.get(seg.objectKey!)).toEqual(seg.stored);
      expect(await bytes.get(store, seg.id)).toEqual(seg.stored);
      expect(await bytes.get(store, seg.id, { offset: 7, length: 100 })).toEqual(seg.stored.subarray(7, 107));
      await expect(bytes.get(store, seg.id, { offset: 1.5, length: 4 })).rejects.toBeInstanceOf(RangeError);
      expect(await bytes.get(store, seg.id, { offset: seg.stored.length - 5, length: 50 })).toEqual(
        seg.stored.subarray(seg.stored.length - 5),
      );

      // A row sealed into the database before S3 was configured is read from its row.
      const before = await storeSegment(store, databaseSegmentBytes(), sealedSegment(2_000_001));
      expect(before.objectKey).toBeNull();
      expect(new Uint8Array((await bytes.get(store, before.id))!)).toEqual(before.stored);
      expect(new Uint8Array((await bytes.get(store, before.id, { offset: 3, length: 9 }))!)).toEqual(
        before.stored.subarray(3, 12),
      );

      // A process on SEGMENT_STORAGE=database says what to set instead of reading an empty segment.
      await expect(databaseSegmentBytes().get(store, seg.id)).rejects.toBeInstanceOf(SegmentObjectUnreadable);

      // The object gone while its row stays: a loss, said loudly; with the row gone too, just gone.
      await bytes.delete([seg.objectKey!]);
      expect(await objects.get(seg.objectKey!)).toBeNull();
      await expect(bytes.get(store, seg.id)).rejects.toBeInstanceOf(SegmentObjectMissing);
      await store.db.deleteFrom("log_segments").where("id", "=", seg.id).execute();
      expect(await bytes.get(store, seg.id)).toBeNull();
    });
  });
});
