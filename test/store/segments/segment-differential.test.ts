import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { logsTableStore } from "../../../src/store/logs-table-store.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { sqliteTestStore } from "../../helpers/stores.js";
import { answers, query, records, toAppend } from "./differential-records.js";

/**
 * The segment store against the `logs` table on arbitrary records (odd text, shared times, messages that
 * do or do not fit their template) split into batches and sealed at arbitrary points: every read the
 * two answer must be the same, references included (both start at 1 on a fresh file).
 */
describe("segment store against the logs table, arbitrary records", () => {
  it("answers every read the same, sealed at any point", async () => {
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
        numRuns: Number(process.env.FUZZ_RUNS ?? 25),
        seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 18,
      },
    );
  }, 120_000);
});
