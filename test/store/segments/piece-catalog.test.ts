import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { LogQuery, RecordToAppend } from "../../../src/core/log-store.js";
import type { Store } from "../../../src/store/db.js";
import { keptStatement, openKeptDatabase } from "../../../src/store/dialect/statement-cache.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import {
  postgresAvailable,
  postgresTestStore,
  sqliteTestStore,
  type TestStore,
} from "../../helpers/stores.js";

const T0 = Date.parse("2026-05-04T10:00:00.000Z");

/** `n` records from line `from` on, a second apart, in two services. */
function records(from: number, n: number): RecordToAppend[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    const timestamp = new Date(T0 + i * 1_000).toISOString();
    return {
      timestamp,
      observedTimestamp: timestamp,
      severityText: i % 5 === 0 ? "ERROR" : "INFO",
      severityNumber: i % 5 === 0 ? 17 : 9,
      body: `request ${i} served`,
      attributes: {},
      resource: { "service.name": i % 2 ? "api" : "web" },
      stream: i % 2 ? "api" : "web",
      templateId: "request",
      template: "request <*> served",
      params: null,
    };
  });
}

/** Counts the statements that list `log_segments` through one scope. */
class SegmentListings implements KyselyPlugin {
  count = 0;
  /** Of which only the segments added since the greatest id known. */
  added = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    // A raw statement's text, or a built query's table name (not a read of one piece's bytes).
    const text = JSON.stringify(args.node);
    const built = text.includes('"name":"log_segments"') && !text.includes('"name":"data"');
    if (text.includes("from log_segments") || built) this.count++;
    if (text.includes("where id > ")) this.added++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

/** Counts the statements that read `log_batches` (its listing, or one batch's bytes) through one scope. */
class BatchReads implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    const text = JSON.stringify(args.node);
    if (text.includes("from log_batches") || text.includes('"name":"log_batches"')) this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

const QUERIES: LogQuery[] = [
  {},
  { service: "api" },
  { minSeverityNumber: 17 },
  { since: new Date(T0 + 100_000).toISOString(), until: new Date(T0 + 160_000).toISOString() },
  { text: "served" },
];

describe("the segments' listing kept between reads (PieceCatalog)", () => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  /** A store object that reads through a counting scope, and another that writes (a seal thread's). */
  async function readerAndWriter(t: TestStore) {
    const listings = new SegmentListings();
    const readStore: Store = {
      ...t.store,
      reader: { db: t.store.db.withPlugin(listings), dialect: t.store.dialect },
    };
    return {
      reader: segmentLogStore(readStore, { segmentLines: 16 }),
      writer: segmentLogStore(t.store, { segmentLines: 16 }),
      listings,
    };
  }

  /** Every query's answers from the long-lived reader equal a fresh store object's (nothing cached). */
  async function expectFreshAnswers(t: TestStore, reader: ReturnType<typeof segmentLogStore>) {
    const fresh = segmentLogStore(t.store, { segmentLines: 16 });
    for (const q of QUERIES) {
      expect(await reader.search(q, { limit: 30 })).toEqual(await fresh.search(q, { limit: 30 }));
      expect(await reader.search(q, { limit: 10, offset: 45 })).toEqual(
        await fresh.search(q, { limit: 10, offset: 45 }),
      );
      expect(await reader.countBy(q, "service")).toEqual(await fresh.countBy(q, "service"));
      expect(await reader.extent(q)).toEqual(await fresh.extent(q));
    }
  }

  it("lists the segments once while no seal or drop changes them", async () => {
    t = await sqliteTestStore();
    const { reader, writer, listings } = await readerAndWriter(t);
    await t.store.transaction((tx) => writer.append(tx, records(0, 200), "2026-05-04T11:00:00.000Z"));
    while ((await writer.seal()).batches > 0);
    await reader.search({}, { limit: 5 });
    expect(listings.count).toBe(1);
    await reader.search({}, { limit: 5 });
    await reader.search({ since: new Date(T0 + 50_000).toISOString() }, { limit: 5 });
    // Appends write batches only: the segments' listing is kept.
    await t.store.transaction((tx) => writer.append(tx, records(200, 10), "2026-05-04T11:00:00.000Z"));
    const page = await reader.search({}, { limit: 5 });
    expect(page.map((r) => r.ref)).toEqual([210, 209, 208, 207, 206]);
    expect(listings.count).toBe(1);
    // A seal adds a segment: the ones added are listed, once.
    await writer.seal();
    expect((await reader.search({}, { limit: 5 })).map((r) => r.ref)).toEqual([210, 209, 208, 207, 206]);
    await reader.search({}, { limit: 5 });
    expect([listings.count, listings.added]).toEqual([2, 1]);
    // Retention drops the oldest: the count shows one went, and everything is listed again.
    await writer.dropBefore(new Date(T0 + 20_000).toISOString());
    const fresh = segmentLogStore(t.store, { segmentLines: 16 });
    expect(await reader.search({}, { limit: 300 })).toEqual(await fresh.search({}, { limit: 300 }));
    expect([listings.count, listings.added]).toEqual([4, 2]);
  });

  it("answers as a fresh store object does through appends, seals and drops by another object", async () => {
    t = await sqliteTestStore();
    const { reader, writer } = await readerAndWriter(t);
    let next = 0;
    const append = async (n: number) => {
      await t!.store.transaction((tx) => writer.append(tx, records(next, n), "2026-05-04T11:00:00.000Z"));
      next += n;
    };
    // Seeded steps, so a failure repeats: append, seal some, seal all, drop the oldest.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let step = 0; step < 24; step++) {
      const r = random();
      if (r < 0.4) await append(1 + Math.floor(random() * 40));
      else if (r < 0.7) await writer.seal();
      else if (r < 0.85) while ((await writer.seal()).batches > 0);
      else await writer.dropBefore(new Date(T0 + Math.floor(next * random() * 0.5) * 1_000).toISOString());
      await expectFreshAnswers(t, reader);
    }
  });

  it("sees segments written or deleted through another connection (another process)", async () => {
    t = await sqliteTestStore();
    const { reader, writer } = await readerAndWriter(t);
    await t.store.transaction((tx) => writer.append(tx, records(0, 100), "2026-05-04T11:00:00.000Z"));
    while ((await writer.seal()).batches > 0);
    expect((await reader.search({}, { limit: 1 }))[0]!.ref).toBe(100);
    const other = openKeptDatabase(t.url);
    try {
      // The newest segment deleted behind the store objects' backs, as another process's retention would.
      keptStatement(
        other,
        "delete from log_segments where id = (select max(id) from log_segments)",
        "rows",
      ).run();
      await expectFreshAnswers(t, reader);
      expect((await reader.search({}, { limit: 1 }))[0]!.ref).toBeLessThan(100);
    } finally {
      other.close();
    }
  });

  it("reads no listing while neither the segments nor the batches change (migration 020)", async () => {
    t = await sqliteTestStore();
    const batchReads = new BatchReads();
    const readStore: Store = {
      ...t.store,
      reader: { db: t.store.db.withPlugin(batchReads), dialect: t.store.dialect },
    };
    const reader = segmentLogStore(readStore, { segmentLines: 16 });
    const writer = segmentLogStore(t.store, { segmentLines: 16 });
    await t.store.transaction((tx) => writer.append(tx, records(0, 100), "2026-05-04T11:00:00.000Z"));
    await writer.seal();
    await t.store.transaction((tx) => writer.append(tx, records(100, 10), "2026-05-04T11:00:00.000Z"));
    expect((await reader.search({}, { limit: 5 })).map((r) => r.ref)).toEqual([110, 109, 108, 107, 106]);
    const afterFirst = batchReads.count;
    expect(afterFirst).toBeGreaterThan(0);
    // Nothing written: the kept listing serves, with the batch still unsealed.
    expect((await reader.search({}, { limit: 5 })).map((r) => r.ref)).toEqual([110, 109, 108, 107, 106]);
    await reader.search({ service: "api" }, { limit: 5 });
    expect(batchReads.count).toBe(afterFirst);
    await expectFreshAnswers(t, reader);
    // An append moves the batches' version: they are listed again, and the new batch is seen.
    await t.store.transaction((tx) => writer.append(tx, records(110, 3), "2026-05-04T11:00:00.000Z"));
    expect((await reader.search({}, { limit: 2 })).map((r) => r.ref)).toEqual([113, 112]);
    expect(batchReads.count).toBeGreaterThan(afterFirst);
    await expectFreshAnswers(t, reader);
    // A batch deleted through another connection (another process) is seen gone.
    const other = openKeptDatabase(t.url);
    try {
      keptStatement(
        other,
        "delete from log_batches where first_ref = (select max(first_ref) from log_batches)",
        "rows",
      ).run();
      expect((await reader.search({}, { limit: 1 }))[0]!.ref).toBe(110);
      await expectFreshAnswers(t, reader);
    } finally {
      other.close();
    }
    // Sealing everything moves both versions: the batches go, their records are in segments.
    while ((await writer.seal()).batches > 0);
    expect((await reader.search({}, { limit: 1 }))[0]!.ref).toBe(110);
    await expectFreshAnswers(t, reader);
  });

  it("reads the segments' and batches' versions in one row (changeVersions), none on PostgreSQL", async () => {
    t = await sqliteTestStore();
    const { writer } = await readerAndWriter(t);
    await t.store.transaction((tx) => writer.append(tx, records(0, 40), "2026-05-04T11:00:00.000Z"));
    await writer.seal();
    const { rows } = await sql<{ name: string; version: number }>`
      select name, version from change_versions where name in ('log_segments', 'log_batches')`.execute(
      t.store.db,
    );
    const byName = new Map(rows.map((r) => [r.name, Number(r.version)]));
    expect(t.store.dialect.changeVersions(["log_segments", "log_batches"])!()).toEqual([
      byName.get("log_segments"),
      byName.get("log_batches"),
    ]);
    expect(t.store.dialect.changeVersions(["log_batches", "anomalies"])!()).toEqual([
      byName.get("log_batches"),
      expect.any(Number),
    ]);
    if (!(await postgresAvailable())) return;
    await t.cleanup();
    t = await postgresTestStore();
    expect(t.store.dialect.changeVersions(["log_segments", "log_batches"])).toBeUndefined();
  });

  it("counts every change to log_batches, and none rolled back (migration 020)", async () => {
    t = await sqliteTestStore();
    const version = async () =>
      Number(
        (
          await sql<{
            v: number;
          }>`select version as v from change_versions where name = 'log_batches'`.execute(t!.store.db)
        ).rows[0]!.v,
      );
    const { writer } = await readerAndWriter(t);
    const v0 = await version();
    await t.store.transaction((tx) => writer.append(tx, records(0, 40), "2026-05-04T11:00:00.000Z"));
    const v1 = await version();
    expect(v1).toBeGreaterThan(v0);
    await sql`update log_batches set created_at = created_at`.execute(t.store.db);
    const v2 = await version();
    expect(v2).toBeGreaterThan(v1);
    await expect(
      t.store.transaction(async (tx) => {
        await writer.append(tx, records(40, 5), "2026-05-04T11:00:00.000Z");
        await sql`delete from log_batches`.execute(tx.db);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await version()).toBe(v2);
    while ((await writer.seal()).batches > 0);
    expect(await version()).toBeGreaterThan(v2);
  });

  it("counts every change to log_segments, and none rolled back (migration 019)", async () => {
    t = await sqliteTestStore();
    const version = async () =>
      Number(
        (
          await sql<{
            v: number;
          }>`select version as v from change_versions where name = 'log_segments'`.execute(t!.store.db)
        ).rows[0]!.v,
      );
    const { writer } = await readerAndWriter(t);
    const v0 = await version();
    await t.store.transaction((tx) => writer.append(tx, records(0, 40), "2026-05-04T11:00:00.000Z"));
    expect(await version()).toBe(v0); // batches are not counted
    while ((await writer.seal()).batches > 0);
    const v1 = await version();
    expect(v1).toBeGreaterThan(v0);
    await sql`update log_segments set sealed_at = sealed_at`.execute(t.store.db);
    const v2 = await version();
    expect(v2).toBeGreaterThan(v1);
    await expect(
      t.store.transaction(async (tx) => {
        await sql`delete from log_segments`.execute(tx.db);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await version()).toBe(v2);
    await writer.dropBefore("2100-01-01T00:00:00.000Z");
    expect(await version()).toBeGreaterThan(v2);
  });

  it("lists every piece on each read on PostgreSQL, which keeps no versions", async () => {
    if (!(await postgresAvailable())) return;
    t = await postgresTestStore();
    const { reader, writer, listings } = await readerAndWriter(t);
    await t.store.transaction((tx) => writer.append(tx, records(0, 60), "2026-05-04T11:00:00.000Z"));
    while ((await writer.seal()).batches > 0);
    await expectFreshAnswers(t, reader);
    const before = listings.count;
    await reader.search({}, { limit: 5 });
    await reader.search({}, { limit: 5 });
    expect(listings.count).toBe(before + 2);
  });
});
