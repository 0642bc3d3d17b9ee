import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogQuery } from "../../../src/core/log-store.js";
import { logsTableStore } from "../../../src/store/logs-table-store.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { sqliteTestStore } from "../../helpers/stores.js";
import { answers, type GeneratedRecord, query, records, toAppend } from "./differential-records.js";

/**
 * The segment store against the `logs` table on arbitrary records (odd text, shared times, messages that
 * do or do not fit their template) split into batches and sealed at arbitrary points: every read the
 * two answer must be the same, references included (both start at 1 on a fresh file).
 */
describe("segment store against the logs table, arbitrary records", () => {
  it(
    "answers every read the same, sealed at any point",
    () => sameAnswersSealedAnywhere(records, 25),
    120_000,
  );

  // As a live stream's: pieces whose times ascend, which walks enter at their window and leave at the
  // page's end (`timesAscending`), beside pieces with times kept as written or shared.
  it(
    "answers every read the same for records in time order",
    () =>
      sameAnswersSealedAnywhere(
        records.map((rs) => [...rs].sort((a, b) => a.minute - b.minute)),
        25,
      ),
    120_000,
  );
});

async function sameAnswersSealedAnywhere(records: fc.Arbitrary<GeneratedRecord[]>, runs: number) {
  await fc.assert(
    fc.asyncProperty(
      records,
      fc.array(fc.nat({ max: 20 }), { minLength: 1, maxLength: 4 }),
      fc.array(query, { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 2, max: 40 }),
      async (generated, cuts, queries, segmentLines) => {
        const all = generated.map(toAppend);
        const [a, b] = await Promise.all([sqliteTestStore(), sqliteTestStore()]);
        try {
          const table = logsTableStore(a.store);
          const segments = segmentLogStore(b.store, { segmentLines });
          let at = 0;
          const refs: number[] = [];
          for (const [k, cut] of [...cuts, all.length].entries()) {
            const part = all.slice(at, Math.max(at, Math.min(all.length, at + cut + 1)));
            at += part.length;
            if (part.length === 0) continue;
            refs.push(
              ...(await a.store.transaction((tx) => table.append(tx, part, "2026-05-04T14:00:00.000Z"))),
            );
            await b.store.transaction((tx) => segments.append(tx, part, "2026-05-04T14:00:00.000Z"));
            if (k % 2 === 0) while ((await segments.seal()).batches > 0);
          }
          expect(await answers(segments, queries, refs)).toEqual(await answers(table, queries, refs));
        } finally {
          await Promise.all([a.cleanup(), b.cleanup()]);
        }
      },
    ),
    {
      numRuns: Number(process.env.FUZZ_RUNS ?? runs),
      seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 18,
    },
  );
}

/**
 * Records whose wildcards hold many distinct numbers, so sealed segments keep them as number columns,
 * searched for numbers (whole, cut short, beside a word, as a whole word before another, absent): searches plan on the lean index and
 * judge rows on their decoded numbers, and must answer as the table does.
 */
describe("segment store against the logs table, searches for numbers", () => {
  it("answers every read the same for numbers in number columns", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: -99_999, max: 2 ** 40 }),
            fc.integer({ min: 0, max: 9_999 }),
            fc.nat({ max: 50 }),
          ),
          { minLength: 40, maxLength: 120 },
        ),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 5 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 40, max: 200 }),
        async (rows, picks, segmentLines) => {
          const generated: GeneratedRecord[] = rows.map(([a, b, minute]) => ({
            minute,
            timeForm: "iso",
            service: "api",
            host: null,
            severity: 9,
            template: "disk <*> at <*>%",
            values: [String(a), String(b).padStart(4, "0")],
            fits: true,
            other: "",
          }));
          const queries = picks.map(([p, form]): LogQuery => {
            const [a, b] = rows[p % rows.length]!;
            const digits = String(Math.abs(a));
            if (form === 0) return { text: digits };
            if (form === 1) return { text: digits.slice(0, Math.max(1, digits.length - 3)) };
            if (form === 2) return { text: `disk ${digits}` };
            if (form === 3) return { text: String(b).padStart(4, "0").slice(0, 3) };
            // A whole word, not the last: only the very value matches.
            if (form === 4) return { text: `${String(b).padStart(4, "0")} ${digits.slice(0, 1)}` };
            return { text: String(p * 7_919 + 13) };
          });
          const all = generated.map(toAppend);
          const [x, y] = await Promise.all([sqliteTestStore(), sqliteTestStore()]);
          try {
            const table = logsTableStore(x.store);
            const segments = segmentLogStore(y.store, { segmentLines });
            const refs = await x.store.transaction((tx) => table.append(tx, all, "2026-05-04T14:00:00.000Z"));
            await y.store.transaction((tx) => segments.append(tx, all, "2026-05-04T14:00:00.000Z"));
            while ((await segments.seal()).batches > 0);
            expect(await answers(segments, queries, refs)).toEqual(await answers(table, queries, refs));
          } finally {
            await Promise.all([x.cleanup(), y.cleanup()]);
          }
        },
      ),
      {
        numRuns: Number(process.env.FUZZ_RUNS ?? 15),
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 18,
      },
    );
  }, 120_000);
});
