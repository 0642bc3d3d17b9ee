import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { searchLogs, whereLogQuery } from "../../src/store/repos/log-search.js";
import { WALK_TIME_INDEX_FROM_MATCHES, walkTimeIndex } from "../../src/store/repos/log-search-plan.js";
import { insertLogs } from "../../src/store/repos/logs.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const T0 = Date.parse("2026-11-01T00:00:00.000Z");
/** More lines with `failed` than the walk's threshold, record times out of id order (imports, late lines). */
const LINES = WALK_TIME_INDEX_FROM_MATCHES + 2_000;

// Issue 17, soak: a word in many lines is searched by walking the timestamp index (stopping at the page's
// end) instead of reading and sorting every match. Both plans must give the same pages.
describe.each(DIALECTS)("log search plan on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    const now = "2026-11-22T00:00:00.000Z";
    const records = Array.from({ length: LINES }, (_, i) => {
      // Every 7th line is 3 hours older than its neighbours; a few share a timestamp.
      const at = T0 + Math.floor(i / 3) * 1_000 - (i % 7 === 0 ? 3 * 3_600_000 : 0);
      const body =
        i % 1_000 === 17
          ? `zebra rarely seen ${i}`
          : `Connection failed for user u${i % 97} from 10.0.${i % 255}.${i % 7}`;
      return {
        timestamp: new Date(at).toISOString(),
        observedTimestamp: now,
        severityText: "INFO",
        severityNumber: 9,
        body,
        attributes: {},
        resource: { "service.name": i % 2 ? "sshd" : "api" },
        stream: i % 2 ? "sshd" : "api",
        templateId: null,
        params: null,
      };
    });
    await t.store.transaction((tx) => insertLogs(tx, records, now));
  }, 120_000);
  afterAll(async () => {
    await t?.cleanup();
  });

  it("walks the timestamp index for a word in many lines, on SQLite only", async ({ skip }) => {
    if (!t) return skip("PostgreSQL is not available");
    expect(await walkTimeIndex(t.store, "failed")).toBe(t.store.dialect.name === "sqlite");
    expect(await walkTimeIndex(t.store, "zebra")).toBe(false);
    expect(await walkTimeIndex(t.store, undefined)).toBe(false);
  });

  it("gives the same pages either way: first, after a position, with filters, by offset", async ({
    skip,
  }) => {
    if (!t) return skip("PostgreSQL is not available");
    const store = t.store;
    for (const query of [
      { text: "failed" },
      { text: "fail" },
      { text: "failed u13" },
      { text: "failed", service: "sshd" },
      { text: "connection", since: "2026-11-01T01:00:00.000Z", until: "2026-11-01T02:00:00.000Z" },
    ]) {
      const first = await searchLogs(store, query, { limit: 100 });
      expect(first).toHaveLength(100);
      const sorted = await everyMatchSorted(store, query);
      expect(first.map((r) => r.ref)).toEqual(sorted.slice(0, 100));
      const last = first.at(-1)!;
      const next = await searchLogs(store, query, {
        limit: 50,
        after: { timestamp: last.timestamp, ref: last.ref },
      });
      expect(next.map((r) => r.ref)).toEqual(sorted.slice(100, 150));
      const byOffset = await searchLogs(store, query, { limit: 20, offset: 300 });
      expect(byOffset.map((r) => r.ref)).toEqual(sorted.slice(300, 320));
    }
  });
});

/**
 * Every matching id, newest record time first (ties: higher id first): all rows read by the plain
 * condition and sorted here, whatever plan a page would take.
 */
async function everyMatchSorted(
  store: TestStore["store"],
  query: Parameters<typeof searchLogs>[1],
): Promise<number[]> {
  const rows = await whereLogQuery(
    store.db.selectFrom("logs").select(["logs.id", "logs.timestamp"]),
    store.dialect,
    query,
  ).execute();
  return rows
    .map((r) => ({ id: Number(r.id), timestamp: r.timestamp }))
    .sort((a, b) => (a.timestamp === b.timestamp ? b.id - a.id : a.timestamp < b.timestamp ? 1 : -1))
    .map((r) => r.id);
}
