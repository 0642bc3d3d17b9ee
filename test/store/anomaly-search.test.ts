import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import { storeAnomalies } from "../../src/store/repos/anomalies.js";
import { auditTrail, changeAnomalyStatus, searchAnomalies } from "../../src/store/repos/anomaly-search.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

function anomaly(i: number, over: Partial<Anomaly> = {}): Anomaly {
  return {
    detector: i % 2 ? "wifi" : "error_burst",
    type: "t",
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, Math.floor(i / 3))).toISOString(),
    service: "svc",
    key: `k${i}`,
    score: 0.9,
    severity: i % 2 ? "high" : "low",
    description: i === 7 ? "50%_off 'quoted'" : `Event ${i}`,
    features: {},
    explanation: { summary: "x", observed: {}, expected: {} },
    evidence: [],
    ...over,
  };
}

describe.each(DIALECTS)("anomaly search on $name", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
    await storeAnomalies(
      t.store.db,
      Array.from({ length: 10 }, (_, i) => anomaly(i)),
      "2026-01-01T01:00:00.000Z",
    );
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("pages by keyset in (timestamp desc, id desc) order, ties included", async ({ skip }) => {
    if (!t) return skip();
    const all = await searchAnomalies(t.store.db, {}, { limit: 100 });
    expect(all.map((a) => a.id)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const ids: number[] = [];
    let after: { timestamp: string; id: number } | undefined;
    for (;;) {
      const page = await searchAnomalies(t.store.db, {}, { limit: 4, ...(after ? { after } : {}) });
      ids.push(...page.map((a) => a.id));
      if (page.length < 4) break;
      after = { timestamp: page.at(-1)!.timestamp, id: page.at(-1)!.id };
    }
    expect(ids).toEqual(all.map((a) => a.id));
  });

  it("matches text case-insensitively and metacharacters literally", async ({ skip }) => {
    if (!t) return skip();
    const q = async (text: string) =>
      (await searchAnomalies(t!.store.db, { q: text }, { limit: 100 })).map((a) => a.id);
    expect(await q("EVENT 3")).toEqual([4]);
    expect(await q("50%_")).toEqual([8]);
    expect(await q("%")).toEqual([8]);
    expect(await q("_")).toEqual([8]);
    expect(await q("'quoted'")).toEqual([8]);
    expect(await q("\\")).toEqual([]);
    expect(await searchAnomalies(t.store.db, { agentName: "wifi' or '1'='1" }, { limit: 100 })).toEqual([]);
  });

  it("filters by severity, status and time, and audits status changes", async ({ skip }) => {
    if (!t) return skip();
    const ids = async (f: Parameters<typeof searchAnomalies>[1]) =>
      (await searchAnomalies(t!.store.db, f, { limit: 100 })).map((a) => a.id);
    expect(await ids({ severity: ["high"], since: "2026-01-01T00:00:02.000Z" })).toEqual([10, 8]);
    const changed = await changeAnomalyStatus(
      t.store.db,
      { id: 3, status: "resolved", comment: "fixed", actor: "alice" },
      "2026-01-02T00:00:00.000Z",
    );
    expect(changed?.status).toBe("resolved");
    expect(await ids({ status: ["resolved"] })).toEqual([3]);
    expect(await ids({ status: ["open"], until: "2026-01-01T00:00:01.000Z" })).toEqual([2, 1]);
    expect(await auditTrail(t.store.db, "anomaly:3")).toEqual([
      {
        at: "2026-01-02T00:00:00.000Z",
        actor: "alice",
        action: "anomaly.status",
        details: { from: "open", to: "resolved", comment: "fixed" },
      },
    ]);
    expect(
      await changeAnomalyStatus(t.store.db, { id: 999, status: "resolved", comment: null, actor: "a" }, "x"),
    ).toBeUndefined();
  });
});
