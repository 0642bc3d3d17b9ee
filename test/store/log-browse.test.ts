import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LogStore } from "../../src/core/log-store.js";
import { browseLogs } from "../../src/service/log-browser.js";
import type { StoreTransaction } from "../../src/store/db.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { insertLogs } from "../../src/store/repos/logs.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

const HOUR = 3_600_000;
const T0 = Date.parse("2005-06-03T15:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Historical lines out of id order (imports arrive in any order): 3 in the first hour, none in the
 * second, 2 in the third; "sshd" and "kernel" interleave.
 */
const LINES = [
  { at: T0 + 2 * HOUR + 5_000, service: "sshd", body: "Failed password for root from 10.0.0.9" },
  { at: T0 + 1_000, service: "sshd", body: "Accepted password for alice from 10.0.0.7" },
  { at: T0 + 2_000, service: "kernel", body: "eth0 link up" },
  { at: T0 + 59 * 60_000 + 999, service: "sshd", body: "Failed password for bob from 10.0.0.8" },
  { at: T0 + 2 * HOUR, service: "sshd", body: "Failed password for carol from 10.0.0.9" },
];

describe.each(DIALECTS)("log browsing on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  let logs: LogStore<StoreTransaction>;
  const ids: number[] = [];
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    logs = logsTableStore(t.store);
    const now = "2026-11-22T00:00:00.000Z";
    ids.push(
      ...(await t.store.transaction((tx) =>
        insertLogs(
          tx,
          LINES.map((l) => ({
            timestamp: iso(l.at),
            observedTimestamp: now,
            severityText: "INFO",
            severityNumber: 9,
            body: l.body,
            attributes: {},
            resource: { "service.name": l.service },
            stream: l.service,
            templateId: null,
            params: null,
          })),
          now,
        ),
      )),
    );
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("counts lines per bucket in SQL, with empty buckets and the range's own edges", async (ctx) => {
    if (!t) return ctx.skip();
    const range = { since: iso(T0), until: iso(T0 + 3 * HOUR) };
    expect(await logs.histogram(range, HOUR)).toEqual([
      { start: iso(T0), count: 3 },
      { start: iso(T0 + HOUR), count: 0 },
      { start: iso(T0 + 2 * HOUR), count: 2 },
    ]);
    const failed = await logs.histogram({ ...range, text: "failed", service: "sshd" }, HOUR);
    expect(failed.map((b) => b.count)).toEqual([1, 0, 2]);
    // A line exactly at `until` is outside, one at `since` inside.
    const tail = await logs.histogram(
      { since: iso(T0 + 2 * HOUR), until: iso(T0 + 2 * HOUR + 5_000) },
      1_000,
    );
    expect(tail.reduce((n, b) => n + b.count, 0)).toBe(1);
    expect(tail[0]).toEqual({ start: iso(T0 + 2 * HOUR), count: 1 });
  });

  it("pages newest first by record time within a range, and finds the data's period", async (ctx) => {
    if (!t) return ctx.skip();
    const deps = { store: t.store, logs };
    const first = await browseLogs(deps, { since: iso(T0), until: iso(T0 + HOUR) }, { limit: 2 });
    expect(first.map((l) => l.message)).toEqual([LINES[3]!.body, LINES[2]!.body]);
    const second = await browseLogs(
      deps,
      { since: iso(T0), until: iso(T0 + HOUR) },
      { limit: 2, after: first[1] },
    );
    expect(second.map((l) => l.message)).toEqual([LINES[1]!.body]);
    expect(await logs.extent({})).toEqual({ first: iso(T0 + 1_000), last: iso(T0 + 2 * HOUR + 5_000) });
    expect(await logs.extent({ text: "nowhere" })).toBeNull();
    expect(await logs.countBy({ since: iso(T0), until: iso(T0 + HOUR) }, "service", 5)).toEqual([
      { value: "sshd", count: 2 },
      { value: "kernel", count: 1 },
    ]);
  });

  it("shows the lines of the same service around a line, in record time", async (ctx) => {
    if (!t) return ctx.skip();
    const around = await logs.context(ids[3]!, { before: 5, after: 1 });
    expect(around?.record.message).toBe(LINES[3]!.body);
    expect(around?.before.map((l) => l.message)).toEqual([LINES[1]!.body]);
    expect(around?.after.map((l) => l.message)).toEqual([LINES[4]!.body]);
    expect(await logs.context(999_999, { before: 1, after: 1 })).toBeNull();
  });
});
