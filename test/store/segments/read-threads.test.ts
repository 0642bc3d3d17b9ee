import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogQuery } from "../../../src/core/log-store.js";
import { readingOnThreads, SegmentReadThreads } from "../../../src/store/segments/read-threads.js";
import { type SegmentLogStore, segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { lineToAppend } from "../../helpers/records.js";
import { sqliteTestStore, type TestStore } from "../../helpers/stores.js";

const T0 = Date.parse("2026-05-04T10:00:00Z");
const record = (i: number) =>
  lineToAppend(
    new Date(T0 + i * 1000).toISOString(),
    i % 10 === 0 ? `disk sda${i % 3} failed after ${i} writes` : `user u${i} logged in from 10.0.0.${i % 7}`,
    i % 2 === 0 ? "api" : "db",
    i % 10 === 0
      ? { templateId: "disk", template: "disk <*> failed after <*> writes" }
      : { templateId: "login", template: "user <*> logged in from <*>" },
  );

/** A segment store whose scans throw: answers through it can only have come from a read thread. */
function scansForbidden(logs: SegmentLogStore): SegmentLogStore {
  const forbidden = () => Promise.reject(new Error("scanned on the calling thread"));
  return {
    ...logs,
    search: forbidden,
    templateCounts: forbidden,
    extent: forbidden,
    histogram: forbidden,
    countBy: forbidden,
    context: forbidden,
  };
}

const append = async (t: TestStore, logs: SegmentLogStore, from: number, count: number) =>
  t.store.transaction((tx) =>
    logs.append(
      tx,
      Array.from({ length: count }, (_, i) => record(from + i)),
      new Date().toISOString(),
    ),
  );

describe("segment read threads", () => {
  let t: TestStore;
  let local: SegmentLogStore;
  beforeAll(async () => {
    t = await sqliteTestStore();
    local = segmentLogStore(t.store, { segmentLines: 100 });
    await append(t, local, 0, 250);
    await local.seal();
    await append(t, local, 250, 30);
  });
  afterAll(async () => {
    await t.cleanup();
  });

  it("answers every scan on a thread as the calling thread would, and sees each commit at once", async () => {
    const unavailable: Error[] = [];
    const threads = new SegmentReadThreads({ url: t.url, sqliteCacheMb: 8, nice: 10 }, 2, (e) =>
      unavailable.push(e),
    );
    const threaded = readingOnThreads(scansForbidden(local), threads);
    try {
      const queries: LogQuery[] = [{}, { text: "failed" }, { service: "db", text: "10.0.0.3" }];
      for (const query of queries) {
        expect(await threaded.search(query, { limit: 20 })).toEqual(await local.search(query, { limit: 20 }));
        expect(await threaded.countBy(query, "templateId")).toEqual(await local.countBy(query, "templateId"));
        expect(await threaded.extent(query)).toEqual(await local.extent(query));
      }
      const range = { since: new Date(T0).toISOString(), until: new Date(T0 + 600_000).toISOString() };
      expect(await threaded.histogram(range, 60_000)).toEqual(await local.histogram(range, 60_000));
      expect(await threaded.templateCounts({ ...range, intervalMs: 60_000 })).toEqual(
        await local.templateCounts({ ...range, intervalMs: 60_000 }),
      );
      const [ref] = await append(t, local, 280, 1);
      expect(await threaded.context(ref!, { before: 3, after: 3 })).toEqual(
        await local.context(ref!, { before: 3, after: 3 }),
      );
      // Committed on this thread's connection, found at once on the threads' own.
      const [next] = await append(t, local, 281, 1);
      const found = await threaded.search({ text: "u281" }, { limit: 5 });
      expect(found.map((r) => r.ref)).toEqual([next]);
      // Both threads in use: queries at once go to the one with fewer waiting.
      const many = await Promise.all(queries.map((q) => threaded.search(q, { limit: 5 })));
      expect(many.every((page) => page.length > 0)).toBe(true);
      expect(unavailable).toEqual([]);
    } finally {
      await threads.close();
    }
    // Closed: reads go to the calling thread.
    await expect(threaded.search({}, { limit: 1 })).rejects.toThrow("scanned on the calling thread");
  });

  it("reads on the calling thread, and says so once, when no thread can open the store", async () => {
    const notADatabase = join(t.url, "..", "not-a-database.db");
    writeFileSync(notADatabase, "this is not an SQLite file, and a read thread cannot open it".repeat(40));
    const unavailable: Error[] = [];
    const threads = new SegmentReadThreads({ url: notADatabase, sqliteCacheMb: 8, nice: 0 }, 1, (e) =>
      unavailable.push(e),
    );
    const threaded = readingOnThreads(local, threads);
    try {
      const expected = await local.search({ text: "failed" }, { limit: 10 });
      for (let i = 0; i < 4; i++)
        expect(await threaded.search({ text: "failed" }, { limit: 10 })).toEqual(expected);
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]!.message).toMatch(/not-a-database\.db/);
    } finally {
      await threads.close();
    }
  });
});
