import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { readSearchIndex } from "../../../src/store/columnar/index.js";
import type { Store } from "../../../src/store/db.js";
import { PieceIndexCache } from "../../../src/store/segments/piece-cache.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { sqliteTestStore, type TestStore } from "../../helpers/stores.js";

const T0 = Date.parse("2026-05-04T10:00:00.000Z");

function records(n: number): RecordToAppend[] {
  return Array.from({ length: n }, (_, i) => {
    const timestamp = new Date(T0 + i * 1_000).toISOString();
    return {
      timestamp,
      observedTimestamp: timestamp,
      severityText: "INFO",
      severityNumber: 9,
      body: i === 7 ? "rare needle here" : `request ${i} served`,
      attributes: {},
      resource: { "service.name": "api" },
      stream: "api",
      templateId: "api-request",
      template: "request <*> served",
      params: null,
    };
  });
}

/** Counts the statements that read a piece's bytes (`data`) through one scope. */
class DataReads implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    const text = JSON.stringify(args.node);
    if (args.node.kind === "SelectQueryNode" && text.includes('"data"')) this.count++;
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs) {
    return args.result;
  }
}

describe("segment store reads", () => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  /**
   * A store whose reader counts its reads of piece bytes, with 400 lines in 25 segments of 16; decoded
   * pieces are not kept unless `cachedReaders` says so.
   */
  async function sealedStore(cachedReaders = 0) {
    t = await sqliteTestStore();
    const reads = new DataReads();
    const store: Store = {
      ...t.store,
      reader: { db: t.store.db.withPlugin(reads), dialect: t.store.dialect },
    };
    const logs = segmentLogStore(store, { segmentLines: 16, cachedReaders });
    await store.transaction((tx) => logs.append(tx, records(400), "2026-05-04T14:00:00.000Z"));
    while ((await logs.seal()).batches > 0);
    return { logs, reads };
  }

  it("reads only the newest segments for a page of the newest lines", async () => {
    const { logs, reads } = await sealedStore();
    const page = await logs.search({}, { limit: 5 });
    expect(page.map((r) => r.ref)).toEqual([400, 399, 398, 397, 396]);
    expect(reads.count).toBe(1);
    // Past a position: the walk starts at the segment holding it.
    reads.count = 0;
    const next = await logs.search({}, { limit: 20, after: { timestamp: page[4]!.timestamp, ref: 396 } });
    expect(next.map((r) => r.ref)).toEqual(Array.from({ length: 20 }, (_, i) => 395 - i));
    expect(reads.count).toBe(2);
  });

  it("skips segments on their cached index once it has seen them", async () => {
    const { logs, reads } = await sealedStore();
    expect((await logs.search({ text: "needle" }, { limit: 10 })).map((r) => r.ref)).toEqual([8]);
    const first = reads.count;
    expect(first).toBe(25);
    reads.count = 0;
    expect((await logs.search({ text: "needle" }, { limit: 10 })).map((r) => r.ref)).toEqual([8]);
    // Only the segment that can hold the word is read again.
    expect(reads.count).toBe(1);
  });

  /**
   * 640 lines with a fresh 8-digit number each, in 10 segments of 64: number columns, not dictionaries.
   * Summaries are built in idle time only when `summaryFill` says so: its reads would count.
   */
  async function numberStore(summaryCacheBytes?: number, summaryFill = { duty: 0, quietMs: 0 }) {
    t = await sqliteTestStore();
    const reads = new DataReads();
    const store: Store = {
      ...t.store,
      reader: { db: t.store.db.withPlugin(reads), dialect: t.store.dialect },
    };
    const lines = records(640).map((r, i) => ({ ...r, body: `request ${idOf(i)} served` }));
    const logs = segmentLogStore(store, {
      segmentLines: 64,
      cachedReaders: 0,
      summaryCacheBytes,
      summaryFill,
    });
    await store.transaction((tx) => logs.append(tx, lines, "2026-05-04T14:00:00.000Z"));
    while ((await logs.seal()).batches > 0);
    const refsOf = async (text: string) => (await logs.search({ text }, { limit: 10 })).map((r) => r.ref);
    return { logs, reads, refsOf };
  }
  const idOf = (i: number) => 10_000_000 + i * 7_919;

  it("reads, for a number, only the pieces whose stored filter or digit-run summary may hold it", async () => {
    const { reads, refsOf } = await numberStore();
    // The segments' stored filters (log_segment_digits, one statement) let through the segment that
    // holds it and their false positives (about 6%, none for this probe); only those are read.
    expect(await refsOf(String(idOf(100)))).toEqual([101]);
    expect(reads.count).toBe(1);
    reads.count = 0;
    // Another number, in another segment: that segment, and the false positives of its probe (none
    // here either; a segment whose summary was built is judged by it, and never read again for a number).
    expect(await refsOf(String(idOf(500)))).toEqual([501]);
    expect(reads.count).toBe(1);
    reads.count = 0;
    // Its first digits as the last word (a prefix), and a number no line holds: the segment holding the
    // prefix and one false positive.
    expect(await refsOf(String(idOf(300)).slice(0, 8))).toEqual([301]);
    expect(await refsOf("10000001")).toEqual([]);
    expect(reads.count).toBeLessThanOrEqual(2);
  });

  it("builds the summaries a number's search left out once searches stop, so new numbers read no other piece", async () => {
    /** 40 numbers no line holds: a piece is read for one only when its filter or summary lets it through. */
    const absent = Array.from({ length: 40 }, (_, i) => String(20_000_003 + i * 7_919));
    const readsFor = async (refsOf: (text: string) => Promise<number[]>, reads: DataReads) => {
      reads.count = 0;
      for (const n of absent) expect(await refsOf(n)).toEqual([]);
      return reads.count;
    };

    const off = await numberStore();
    expect(await off.refsOf(String(idOf(100)))).toEqual([101]);
    await off.logs.summariesFilled();
    // Each piece the stored filters let through is read once, for its summary: 7 for these 40 numbers.
    const unfilled = await readsFor(off.refsOf, off.reads);
    expect(unfilled).toBeGreaterThan(4);
    await t!.cleanup();

    const on = await numberStore(undefined, { duty: 1, quietMs: 0 });
    expect(await on.refsOf(String(idOf(100)))).toEqual([101]);
    on.reads.count = 0;
    await on.logs.summariesFilled();
    // The nine pieces without a summary, read once each in idle time.
    expect(on.reads.count).toBe(9);
    // Only the summaries' own false positives (about 0.3% a piece): 2 here, against 7 unfilled.
    const filled = await readsFor(on.refsOf, on.reads);
    expect(filled).toBeLessThanOrEqual(2);
    expect(filled).toBeLessThan(unfilled);
    // Nothing left to build: another number's search starts a run that reads nothing.
    expect(await on.refsOf(String(idOf(600)))).toEqual([601]);
    on.reads.count = 0;
    await on.logs.summariesFilled();
    expect(on.reads.count).toBe(0);
  });

  it("keeps the summaries a search read first when they are more than its budget holds", async () => {
    // A budget of one entry: of the stored filters loaded newest first, the newest segment's stays (a
    // search reads newest first), and each of the others is read from its bytes; plain LRU kept the
    // oldest one's, which the next search, newest first, dropped before reaching it.
    const { reads, refsOf } = await numberStore(1);
    expect(await refsOf("10000001")).toEqual([]);
    expect(reads.count).toBe(9);
    reads.count = 0;
    expect(await refsOf("10000001")).toEqual([]);
    expect(reads.count).toBe(9);
    reads.count = 0;
    // In the newest segment: its filter lets it through, and its bytes are read for its summary.
    expect(await refsOf(String(idOf(639)))).toEqual([640]);
    expect(reads.count).toBe(10);
  });

  it("counts a histogram's pieces that fall within one interval from their rows, decoding only the others", async () => {
    const { logs, reads } = await sealedStore();
    const since = new Date(T0).toISOString();
    const until = new Date(T0 + 400_000).toISOString();
    // One interval for everything: no piece is decoded.
    expect(await logs.histogram({ since, until }, 400_000)).toEqual([{ start: since, count: 400 }]);
    expect(reads.count).toBe(0);
    // Minutes: 16-second segments that straddle a minute are decoded, the others are not.
    const minutes = await logs.histogram({ since, until }, 60_000);
    expect(minutes.map((b) => b.count)).toEqual([60, 60, 60, 60, 60, 60, 40]);
    expect(reads.count).toBeGreaterThan(0);
    expect(reads.count).toBeLessThan(25);
    // A word the template's static text holds: each piece is counted from its index (its entry's count,
    // less the verbatim row that lacks it), never its rows; a piece whose index the minutes' histogram
    // left in the cache is not read at all.
    reads.count = 0;
    expect(await logs.histogram({ since, until, text: "served" }, 400_000)).toEqual([
      { start: since, count: 399 },
    ]);
    expect(reads.count).toBeGreaterThan(0);
    expect(reads.count).toBeLessThan(25);
  });

  it("counts templates and services from the pieces' metadata when every record matches", async () => {
    const { logs, reads } = await sealedStore();
    // The metadata comes with the search index (read once, then cached); no column is decoded.
    expect(await logs.countBy({}, "templateId")).toEqual([{ value: "api-request", count: 400 }]);
    expect(await logs.countBy({}, "service")).toEqual([{ value: "api", count: 400 }]);
    expect(reads.count).toBe(25);
    reads.count = 0;
    expect(await logs.countBy({ minSeverityNumber: 9 }, "service")).toEqual([{ value: "api", count: 400 }]);
    expect(reads.count).toBe(0);
    // A word: only what may match is decoded, and counted row by row.
    expect(await logs.countBy({ text: "needle" }, "templateId")).toEqual([
      { value: "api-request", count: 1 },
    ]);
  });

  it("answers the extent of everything from the pieces' rows", async () => {
    const { logs, reads } = await sealedStore();
    expect(await logs.extent({})).toEqual({
      first: new Date(T0).toISOString(),
      last: new Date(T0 + 399_000).toISOString(),
    });
    expect(reads.count).toBe(0);
    expect(await logs.extent({ text: "needle" })).toEqual({
      first: new Date(T0 + 7_000).toISOString(),
      last: new Date(T0 + 7_000).toISOString(),
    });
  });

  it("keeps the pieces it decoded last, so the same page again reads nothing", async () => {
    const { logs, reads } = await sealedStore(2);
    const page = await logs.search({}, { limit: 5 });
    expect(reads.count).toBe(1);
    expect(await logs.search({}, { limit: 5 })).toEqual(page);
    expect(await logs.context(page[0]!.ref, { before: 3, after: 0 })).toEqual({
      record: page[0],
      before: page.slice(1, 4).reverse(),
      after: [],
    });
    expect(reads.count).toBe(1);
  });
});

describe("PieceIndexCache", () => {
  it("drops the least recently used entries past its budget, keeping the newest", async () => {
    const t = await sqliteTestStore();
    try {
      const logs = segmentLogStore(t.store);
      await t.store.transaction((tx) => logs.append(tx, records(3), "2026-05-04T14:00:00.000Z"));
      const row = await t.store.db.selectFrom("log_batches").select("data").executeTakeFirstOrThrow();
      const ix = readSearchIndex(row.data);
      const cache = new PieceIndexCache(100);
      cache.set("a", ix, 40);
      cache.set("b", ix, 40);
      expect(cache.get("a")).toBe(ix);
      cache.set("c", ix, 40);
      // b was the least recently used.
      expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([ix, undefined, ix]);
      cache.set("d", ix, 500);
      expect(cache.usage).toEqual({ entries: 1, weight: 500 });
    } finally {
      await t.cleanup();
    }
  });
});
