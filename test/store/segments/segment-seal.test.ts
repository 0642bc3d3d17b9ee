import { spawnSync } from "node:child_process";
import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { RecordToAppend, StoredRecord } from "../../../src/core/log-store.js";
import { readSegmentIndex, readSegmentMeta } from "../../../src/store/columnar/index.js";
import { openStore, type Store } from "../../../src/store/db.js";
import { logsTableStore } from "../../../src/store/logs-table-store.js";
import type { SealStep } from "../../../src/store/segments/sealer.js";
import { type SegmentLogStore, segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { testScript } from "../../helpers/cli.js";
import { DIALECTS, postgresAvailable, sqliteTestStore, type TestStore } from "../../helpers/stores.js";

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

/** Appends batches of `sizes` records, one transaction each, the first record being record `from`. */
async function appendBatches(
  store: Store,
  logs: SegmentLogStore,
  sizes: number[],
  from = 0,
): Promise<RecordToAppend[]> {
  const all: RecordToAppend[] = [];
  for (const size of sizes) {
    const part = records(size, from + all.length);
    await store.transaction((tx) => logs.append(tx, part, STORED_AT));
    all.push(...part);
  }
  return all;
}

async function rowCounts(store: Store): Promise<{ batches: number; segments: number }> {
  const [b, s] = await Promise.all([
    store.db
      .selectFrom("log_batches")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
    store.db
      .selectFrom("log_segments")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow(),
  ]);
  return { batches: Number(b.n), segments: Number(s.n) };
}

/** Every appended record is stored exactly once, as appended (references 1…n in a fresh store). */
async function expectEachOnce(logs: SegmentLogStore, appended: RecordToAppend[]): Promise<void> {
  const found = await logs.search({}, { limit: appended.length + 10 });
  expect(found.map((r) => r.ref).sort((a, b) => a - b)).toEqual(appended.map((_, i) => i + 1));
  const got = await logs.get(appended.map((_, i) => i + 1));
  expect(got.map(summary)).toEqual(
    appended.map((r, i) => ({ ref: i + 1, message: r.body, at: r.timestamp })),
  );
}

const summary = (r: StoredRecord) => ({ ref: r.ref, message: r.message, at: r.timestamp });

const STEPS: SealStep[] = ["read", "encoded", "deleted", "inserted"];

describe.each(DIALECTS)("segment store on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });
  const start = async () => {
    if (needsPostgres && !(await postgresAvailable())) return undefined;
    t = await open();
    return t.store;
  };

  it.for(STEPS)("loses and duplicates nothing when a seal stops after step '%s'", async (step, ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    const failing = segmentLogStore(store, {
      segmentLines: 64,
      onSealStep: (s) => {
        if (s === step) throw new Error(`fault after ${s}`);
      },
    });
    const appended = await appendBatches(store, failing, [40, 30, 50]);
    await expect(failing.seal()).rejects.toThrow(`fault after ${step}`);
    expect(await rowCounts(store)).toEqual({ batches: 3, segments: 0 });
    await expectEachOnce(failing, appended);

    // The next seal (a restarted process) finds the batches as they were and seals them.
    const logs = segmentLogStore(store, { segmentLines: 64 });
    expect(await logs.seal()).toEqual({ batches: 3, segments: 2, lines: 120 });
    expect(await rowCounts(store)).toEqual({ batches: 0, segments: 2 });
    await expectEachOnce(logs, appended);
    // The reader that saw the batches before (and cached their indexes) reads the segments now.
    await expectEachOnce(failing, appended);
  });

  it("seals what two sealers race for once", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    const a = segmentLogStore(store, { segmentLines: 32 });
    const b = segmentLogStore(store, { segmentLines: 32 });
    const appended = await appendBatches(store, a, [20, 20, 20, 20]);
    const results = await Promise.allSettled([a.seal(), b.seal()]);
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
    await expectEachOnce(a, appended);
    expect((await rowCounts(store)).batches).toBe(0);
  });

  it("writes segments at full compression with messages encoded against their templates", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    const logs = segmentLogStore(store, { segmentLines: 1_000 });
    await appendBatches(store, logs, [300, 300]);
    await logs.seal();
    const rows = await store.db.selectFrom("log_segments").select(["data", "count"]).execute();
    expect(rows).toHaveLength(1);
    const data = rows[0]!.data;
    const meta = readSegmentMeta(data);
    expect(meta.count).toBe(600);
    // One line in 9 does not fit the template and is kept verbatim; the rest are encoded.
    expect(readSegmentIndex(data, meta).verbatim).toHaveLength(Math.ceil(600 / 9));
  });

  it("seals a batch of 4,096 lines or more as a segment of its own, and merges the smaller ones around it", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    const logs = segmentLogStore(store);
    const appended = await appendBatches(store, logs, [4_500, 200, 100, 4_200]);
    expect(await rowCounts(store)).toEqual({ batches: 4, segments: 0 });
    expect(await logs.seal()).toEqual({ batches: 4, segments: 3, lines: 9_000 });
    const rows = await store.db
      .selectFrom("log_segments")
      .select(["first_ref", "count", "data"])
      .orderBy("first_ref")
      .execute();
    expect(rows.map((r) => Number(r.count))).toEqual([4_500, 300, 4_200]);
    expect(rows.map((r) => readSegmentMeta(r.data).count)).toEqual([4_500, 300, 4_200]);
    // Each with its stored digit filter, as a merged segment has it (format version 2).
    const filters = await store.db
      .selectFrom("log_segment_digits")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(filters.n)).toBe(3);
    await expectEachOnce(logs, appended);
  });

  it("seals when enough lines wait or the oldest batch is old enough", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    const logs = segmentLogStore(store, { segmentLines: 100, sealAfterSeconds: 30 });
    const storedAt = new Date(STORED_AT);
    expect(await logs.sealIfDue(storedAt)).toBeNull();
    await appendBatches(store, logs, [60]);
    expect(await logs.sealIfDue(new Date(storedAt.getTime() + 29_000))).toBeNull();
    expect(await logs.sealIfDue(new Date(storedAt.getTime() + 30_000))).toEqual({
      batches: 1,
      segments: 1,
      lines: 60,
    });
    await appendBatches(store, logs, [50, 50]);
    expect(await logs.sealIfDue(storedAt)).toEqual({ batches: 2, segments: 1, lines: 100 });
  });

  it("gives free pages back to the disk once nothing waits to be sealed (SQLite)", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    if (store.dialect.name !== "sqlite") {
      expect(await store.dialect.releaseFreePages(store.db)).toBe(0);
      return;
    }
    const pragma = async (name: string) =>
      Number((await sql.raw<Record<string, number>>(`pragma ${name}`).execute(store.db)).rows[0]![name]);
    // A file made today has incremental auto-vacuum.
    expect(await pragma("auto_vacuum")).toBe(2);
    const logs = segmentLogStore(store, { segmentLines: 1_000, sealAfterSeconds: 30 });
    await appendBatches(store, logs, [3_000, 3_000, 3_000]);
    while ((await rowCounts(store)).batches > 0) await logs.seal();
    // Retention drops the first two thirds: their pages are free, and stay in the file while a batch waits.
    const kept = await appendBatches(store, logs, [10], 9_000);
    await logs.dropBefore(new Date(T0 + 6_000 * 60_000).toISOString());
    const free = await pragma("freelist_count");
    expect(free).toBeGreaterThan(0);
    const pages = await pragma("page_count");
    expect(await logs.sealIfDue(new Date(STORED_AT))).toBeNull();
    expect(await pragma("freelist_count")).toBe(free);
    // Sealed, nothing waits: the next look gives them back.
    await logs.seal();
    expect(await logs.sealIfDue(new Date(STORED_AT))).toBeNull();
    expect(await pragma("freelist_count")).toBe(0);
    expect(await pragma("page_count")).toBeLessThan(pages);
    const left = await logs.search({}, { limit: 10_000 });
    expect(left).toHaveLength(3_000 + kept.length);
  });

  it("retention drops whole segments and batches older than a time, and references never come back", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    // 20-line segments of one minute per line: segment k holds minutes 20k…20k+19 (a seal takes up to
    // four segments' worth of whole batches: the first batch, then the second).
    const logs = segmentLogStore(store, { segmentLines: 20 });
    const appended = await appendBatches(store, logs, [40, 60]);
    expect(await logs.seal()).toEqual({ batches: 1, segments: 2, lines: 40 });
    expect(await logs.seal()).toEqual({ batches: 1, segments: 3, lines: 60 });
    await appendBatches(store, logs, [10], 100);
    expect(await rowCounts(store)).toEqual({ batches: 1, segments: 5 });

    // Minute 45 is inside the third segment (40…59): it stays whole, the two before go.
    const cut = new Date(T0 + 45 * 60_000).toISOString();
    expect(await logs.dropBefore(cut)).toEqual({ segments: 2, batches: 0 });
    const left = (await logs.search({}, { limit: 1_000 })).map((r) => r.ref).sort((a, b) => a - b);
    expect(left).toEqual(Array.from({ length: 70 }, (_, i) => 41 + i));
    expect(await logs.get([1, 40, 41])).toEqual([expect.objectContaining({ ref: 41 })]);
    expect(await logs.extent({})).toEqual({
      first: new Date(T0 + 40 * 60_000).toISOString(),
      last: new Date(T0 + 109 * 60_000).toISOString(),
    });
    expect(appended).toHaveLength(100);

    // Everything goes, then new lines come: their references continue, old evidence never resolves to them.
    expect(await logs.dropBefore("9999-01-01T00:00:00.000Z")).toEqual({ segments: 3, batches: 1 });
    expect(await logs.watermark()).toBeNull();
    const refs = await store.transaction((tx) => logs.append(tx, records(3, 500), STORED_AT));
    expect(refs).toEqual([111, 112, 113]);
  });

  it("issues references above every id the logs table gave", async (ctx) => {
    const store = await start();
    if (!store) return ctx.skip();
    const table = logsTableStore(store);
    const tableRefs = await store.transaction((tx) => table.append(tx, records(5), STORED_AT));
    const logs = segmentLogStore(store);
    const refs = await store.transaction((tx) => logs.append(tx, records(3, 5), STORED_AT));
    expect(refs[0]).toBe(tableRefs.at(-1)! + 1);
    expect(refs).toEqual([refs[0], refs[0]! + 1, refs[0]! + 2]);
    // A batch that rolls back: on SQLite its references go to the next batch (they were raised in its
    // transaction); on PostgreSQL they were taken in a statement of their own, so writers never wait on
    // each other's batches (ref-allocator.ts), and they stay a gap.
    await expect(
      store.transaction(async (tx) => {
        await logs.append(tx, records(2, 8), STORED_AT);
        throw new Error("batch failed");
      }),
    ).rejects.toThrow("batch failed");
    const next = await store.transaction((tx) => logs.append(tx, records(1, 8), STORED_AT));
    expect(next).toEqual([refs.at(-1)! + (store.dialect.name === "postgres" ? 3 : 1)]);
  });
});

describe("segment store, a sealing process killed", () => {
  // Its build when this run made one (`testScript`): through tsx each start compiled every module it imports.
  const child = testScript(new URL("./seal-crash-child.ts", import.meta.url));

  it.each(STEPS)("with SIGKILL after step '%s' leaves every line stored once", async (step) => {
    const t = await sqliteTestStore();
    try {
      const path = t.store.location;
      const logs = segmentLogStore(t.store);
      const appended = await appendBatches(t.store, logs, [40, 30, 50]);
      const run = spawnSync(process.execPath, [...child, path, step], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(run.signal, run.stderr).toBe("SIGKILL");
      // A fresh connection, as a restarted process opens the file.
      const reopened = openStore({ url: path });
      try {
        const after = segmentLogStore(reopened);
        expect(await rowCounts(reopened)).toEqual({ batches: 3, segments: 0 });
        await expectEachOnce(after, appended);
        await after.seal();
        expect(await rowCounts(reopened)).toEqual({ batches: 0, segments: 1 });
        await expectEachOnce(after, appended);
      } finally {
        await reopened.close();
      }
    } finally {
      await t.cleanup();
    }
  });
});
