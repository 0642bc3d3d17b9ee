import { afterEach, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../../helpers/stores.js";

function records(n: number, tag: string): RecordToAppend[] {
  return Array.from({ length: n }, (_, i) => {
    const timestamp = new Date(Date.UTC(2026, 4, 4, 10, 0, i)).toISOString();
    return {
      timestamp,
      observedTimestamp: timestamp,
      severityText: null,
      severityNumber: 0,
      body: `${tag} line ${i}`,
      attributes: {},
      resource: { "service.name": tag },
      stream: tag,
      templateId: null,
      params: null,
    };
  });
}

describe.each(DIALECTS)("segment store appends on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("gives batches appended at once disjoint runs of consecutive references, each its own records", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    t = await open();
    const store = t.store;
    const logs = segmentLogStore(store);
    // On PostgreSQL these run on separate connections and wait on each other at the reference row.
    const batches = Array.from({ length: 8 }, (_, b) => records(5 + b, `writer${b}`));
    const refs = await Promise.all(
      batches.map((part) => store.transaction((tx) => logs.append(tx, part, "2026-05-04T14:00:00.000Z"))),
    );
    const all = refs.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    for (const [b, run] of refs.entries()) {
      expect(run).toEqual(run.map((_, i) => run[0]! + i));
      expect((await logs.get(run)).map((r) => r.message)).toEqual(batches[b]!.map((r) => r.body));
    }
    expect(await logs.watermark()).toBe(all.length);
    // An empty append writes no row and takes no reference.
    expect(await store.transaction((tx) => logs.append(tx, [], "2026-05-04T14:00:00.000Z"))).toEqual([]);
    expect(await logs.watermark()).toBe(all.length);
  });
});
