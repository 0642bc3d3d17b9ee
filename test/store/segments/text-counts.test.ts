import { afterEach, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { recordMatcher } from "../../../src/store/columnar/index.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { lineToAppend } from "../../helpers/records.js";
import { sqliteTestStore, type TestStore } from "../../helpers/stores.js";

/**
 * Histograms of a text on the segment store count an entry whose static text holds the words from its
 * count (`SegmentPlan.sure`, `countFromIndex`), and test only the rows that may hold the words elsewhere:
 * the answers must be the matcher's, row by row, whichever way a piece was counted.
 */

const T0 = Date.parse("2026-05-04T10:00:00.000Z");

function record(i: number, body: string, template: string, templateId: string): RecordToAppend {
  return lineToAppend(new Date(T0 + i * 1_000).toISOString(), body, "auth", { templateId, template });
}

/** Four kinds of line: the word in static text, in a value, beside a wildcard, and verbatim. */
function lines(n: number): RecordToAppend[] {
  return Array.from({ length: n }, (_, i) => {
    switch (i % 5) {
      case 0:
        return record(i, `Failed password for user${i}`, "Failed password for <*>", "t-failed");
      case 1:
        return record(i, `job ${i % 3 === 0 ? "failed" : "done"} now`, "job <*> now", "t-job");
      case 2:
        return record(i, `login ${i % 2 ? "x" : ""}failed`, "login <*>failed", "t-login");
      case 3:
        // No template fits: kept verbatim.
        return record(i, i % 2 ? "disk failed hard" : "disk fine", "volume <*> mounted", "t-volume");
      default:
        return record(i, `accepted key ${i}`, "accepted key <*>", "t-accepted");
    }
  });
}

describe("segment store: text histograms counted from the index", () => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("counts what the matcher counts, one bucket or many, sealed or not", async () => {
    t = await sqliteTestStore();
    const store = t.store;
    const logs = segmentLogStore(store, { segmentLines: 100 });
    const all = lines(600);
    for (let k = 0; k < all.length; k += 50)
      await store.transaction((tx) => logs.append(tx, all.slice(k, k + 50), "2026-05-04T11:00:00.000Z"));
    await logs.seal();
    const since = new Date(T0).toISOString();
    const until = new Date(T0 + 600_000).toISOString();
    const stored = await logs.search({}, { limit: 1000 });
    for (const text of ["failed", "Failed password", "fail", "disk failed", "accepted", "nothing"]) {
      const want = stored.filter(recordMatcher({ text })).length;
      for (const intervalMs of [600_000, 60_000, 7_000]) {
        const counts = await logs.histogram({ text, since, until }, intervalMs);
        expect(
          counts.reduce((n, c) => n + c.count, 0),
          `${text} @ ${intervalMs}`,
        ).toBe(want);
      }
      // A window inside the pieces: counted row by row.
      const inner = {
        text,
        since: new Date(T0 + 30_500).toISOString(),
        until: new Date(T0 + 400_500).toISOString(),
      };
      const innerWant = stored.filter(recordMatcher(inner)).length;
      const innerCounts = await logs.histogram(inner, 600_000);
      expect(
        innerCounts.reduce((n, c) => n + c.count, 0),
        `${text} inside`,
      ).toBe(innerWant);
    }
  });
});
