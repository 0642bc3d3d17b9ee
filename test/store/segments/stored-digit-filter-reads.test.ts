import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import {
  DigitRunSummary,
  digitProbes,
  encodeSegment,
  recordMatcher,
  StoredDigitFilter,
  storedDigitProbes,
} from "../../../src/store/columnar/index.js";
import { queryWords } from "../../../src/store/columnar/word-fold.js";
import { PieceIndexCache, PieceSummaryCache } from "../../../src/store/segments/piece-cache.js";
import { PieceSession } from "../../../src/store/segments/piece-session.js";
import { listPieces } from "../../../src/store/segments/pieces.js";
import { insertSegment } from "../../../src/store/segments/sealer.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import {
  postgresAvailable,
  postgresTestStore,
  sqliteTestStore,
  type TestStore,
} from "../../helpers/stores.js";
import { v1SegmentRecords } from "../columnar/v1-segment-records.js";

const T0 = Date.parse("2026-05-04T10:00:00.000Z");
const idOf = (i: number) => 10_000_000 + i * 7_919;

/** 640 lines with a fresh 8-digit number each. */
function records(): RecordToAppend[] {
  return Array.from({ length: 640 }, (_, i) => {
    const timestamp = new Date(T0 + i * 1_000).toISOString();
    return {
      timestamp,
      observedTimestamp: timestamp,
      severityText: "INFO",
      severityNumber: 9,
      body: `request ${idOf(i)} served`,
      attributes: {},
      resource: { "service.name": "api" },
      stream: "api",
      templateId: "api-request",
      template: "request <*> served",
      params: null,
    };
  });
}

describe("stored digit filters in the segment store", () => {
  let t: TestStore | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  it("turns pieces down on their stored filters, building a summary only for those that may hold the number", async () => {
    t = await sqliteTestStore();
    const logs = segmentLogStore(t.store, { segmentLines: 64 });
    await t.store.transaction((tx) => logs.append(tx, records(), "2026-05-04T14:00:00.000Z"));
    while ((await logs.seal()).batches > 0);
    const summaries = new PieceSummaryCache();
    const session = new PieceSession(t.store, new PieceIndexCache(), undefined, summaries);
    const words = queryWords(String(idOf(100)));
    const pieces = await listPieces(t.store, {});
    expect(pieces).toHaveLength(10);
    const holding = pieces.find((p) => p.firstRef <= 101 && p.lastRef >= 101)!;
    for (const p of pieces) {
      const may = await session.mayHoldDigits(p, digitProbes(words), storedDigitProbes(words));
      if (p === holding) expect(may).toBe(true);
    }
    const kinds = pieces.map((p) => summaries.get(p.cacheKey, 0));
    expect(summaries.get(holding.cacheKey, 0)).toBeInstanceOf(DigitRunSummary);
    // A Bloom filter's false positives aside (about 9%), the others are known by their stored filters.
    expect(kinds.filter((k) => k instanceof StoredDigitFilter).length).toBeGreaterThanOrEqual(7);
    // A search for a number one of them holds replaces its stored filter by its summary.
    const other = pieces.find((p) => p.firstRef <= 501 && p.lastRef >= 501)!;
    const next = queryWords(String(idOf(500)));
    expect(await session.mayHoldDigits(other, digitProbes(next), storedDigitProbes(next))).toBe(true);
    expect(summaries.get(other.cacheKey, 0)).toBeInstanceOf(DigitRunSummary);
    expect((await logs.search({ text: String(idOf(500)) }, { limit: 5 })).map((r) => r.ref)).toEqual([501]);
  });

  it.each([
    ["SQLite", sqliteTestStore],
    ["PostgreSQL", postgresTestStore],
  ] as const)(
    "keeps each sealed segment's filter in log_segment_digits (migration 021, %s), dropped with it, and answers the same without it",
    async (name, open) => {
      if (name === "PostgreSQL" && !(await postgresAvailable())) return;
      t = await open();
      const logs = segmentLogStore(t.store, { segmentLines: 64 });
      await t.store.transaction((tx) => logs.append(tx, records(), "2026-05-04T14:00:00.000Z"));
      while ((await logs.seal()).batches > 0);
      const ids = (await t.store.db.selectFrom("log_segments").select("id").execute())
        .map((r) => Number(r.id))
        .sort((a, b) => a - b);
      const rows = await t.store.db.selectFrom("log_segment_digits").selectAll().execute();
      expect(rows.map((r) => Number(r.segment_id)).sort((a, b) => a - b)).toEqual(ids);
      const search = async (text: string) =>
        (await segmentLogStore(t!.store).search({ text }, { limit: 5 })).map((r) => r.ref);
      const texts = [String(idOf(100)), String(idOf(639)).slice(0, 8), "10000001", String(idOf(7)), "served"];
      const withFilters = await Promise.all(texts.map(search));
      expect(withFilters.slice(0, 4)).toEqual([[101], [640], [], [8]]);
      // Segments sealed before migration 021 have no row: read from their bytes, the same answers.
      await t.store.db.deleteFrom("log_segment_digits").execute();
      expect(await Promise.all(texts.map(search))).toEqual(withFilters);
      await t.store.transaction(async (tx) => {
        for (const row of rows) await tx.db.insertInto("log_segment_digits").values(row).execute();
      });
      // Retention takes a segment's filter row with it.
      const dropped = await logs.dropBefore(new Date(T0 + 200_000).toISOString());
      expect(dropped.segments).toBe(3);
      const left = await t.store.db.selectFrom("log_segment_digits").select("segment_id").execute();
      expect(left).toHaveLength(ids.length - 3);
    },
  );

  it("reads segments the previous release wrote (format version 1) beside new ones, with the same answers", async () => {
    t = await sqliteTestStore();
    const v1 = new Uint8Array(readFileSync(new URL("../columnar/fixtures/segment-v1.bin", import.meta.url)));
    const old = v1SegmentRecords();
    // References 1001..1600 from the old bytes; 2001..2600 the same records sealed by this release.
    await t.store.transaction(async (tx) => {
      await insertSegment(tx, v1, "2026-11-20T00:00:00.000Z");
      await insertSegment(tx, encodeSegment(2001, old), "2026-11-20T00:00:00.000Z");
    });
    const logs = segmentLogStore(t.store);
    for (const text of [
      "4612354093",
      "4612362012",
      "46123540",
      "blk",
      "req-461235",
      "took 13",
      "9999999999",
    ]) {
      const expected = old
        .flatMap((r, i) => (recordMatcher({ text })(r) ? [1001 + i, 2001 + i] : []))
        .sort((a, b) => {
          const ta = old[(a % 1000) - 1]!.timestamp;
          const tb = old[(b % 1000) - 1]!.timestamp;
          return ta === tb ? b - a : ta < tb ? 1 : -1;
        })
        .slice(0, 40);
      // Twice: cold (summaries built or stored filters read), then from what the first search kept.
      for (let k = 0; k < 2; k++)
        expect((await logs.search({ text }, { limit: 40 })).map((r) => r.ref)).toEqual(expected);
    }
  });
});
