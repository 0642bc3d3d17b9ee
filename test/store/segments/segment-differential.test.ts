import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LogQuery, LogStore, RecordToAppend } from "../../../src/core/log-store.js";
import type { StoreTransaction } from "../../../src/store/db.js";
import { logsTableStore } from "../../../src/store/logs-table-store.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { sqliteTestStore } from "../../helpers/stores.js";

/**
 * The segment store against the `logs` table on arbitrary records (odd text, shared times, messages that
 * do or do not fit their template) split into batches and sealed at arbitrary points: every read the
 * two answer must be the same, references included (both start at 1 on a fresh file).
 */
const word = fc.constantFrom(
  "user",
  "User",
  "42",
  "0042",
  "a.b",
  "blk_-1",
  "café",
  "ÉTÉ",
  "x_y",
  "",
  " ",
  "<*>",
  "é",
);
const text = fc.oneof(
  { weight: 3, arbitrary: fc.array(word, { maxLength: 6 }).map((w) => w.join(" ")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 16 }) },
);
const T0 = Date.parse("2026-05-04T10:00:00.000Z");

const records = fc.array(
  fc.record({
    minute: fc.nat({ max: 50 }),
    service: fc.constantFrom("api", "db", "web"),
    host: fc.constantFrom("h1", null),
    severity: fc.constantFrom(0, 9, 13, 17),
    template: fc.option(fc.constantFrom("user <*> logged in", "<*>", "disk <*> at <*>%", "plain text"), {
      nil: null,
    }),
    values: fc.array(text, { minLength: 2, maxLength: 2 }),
    fits: fc.boolean(),
    other: text,
  }),
  { minLength: 1, maxLength: 60 },
);

type GeneratedRecord = typeof records extends fc.Arbitrary<(infer R)[]> ? R : never;

function toAppend(r: GeneratedRecord): RecordToAppend {
  const timestamp = new Date(T0 + r.minute * 60_000).toISOString();
  let body = r.other;
  if (r.template && r.fits) {
    let k = 0;
    body = r.template.replace(/<\*>/g, () => r.values[k++ % 2]!);
  }
  return {
    timestamp,
    observedTimestamp: timestamp,
    severityText: r.severity === 0 ? null : "LEVEL",
    severityNumber: r.severity,
    body,
    attributes: { n: r.minute, s: r.other },
    resource: { "service.name": r.service, ...(r.host ? { "host.name": r.host } : {}) },
    stream: r.service,
    templateId: r.template === null ? null : `${r.service}:${r.template}`,
    template: r.template,
    params: null,
  };
}

const query: fc.Arbitrary<LogQuery> = fc.record(
  {
    text: fc.oneof(word, text),
    service: fc.constantFrom("api", "db"),
    host: fc.constant("h1"),
    templateId: fc.constantFrom("api:user <*> logged in", "db:<*>"),
    minSeverityNumber: fc.constantFrom(9, 13),
    since: fc.nat({ max: 50 }).map((m) => new Date(T0 + m * 60_000).toISOString()),
    until: fc.nat({ max: 50 }).map((m) => new Date(T0 + m * 60_000).toISOString()),
  },
  { requiredKeys: [] },
);

async function answers(logs: LogStore<StoreTransaction>, queries: LogQuery[], refs: number[]) {
  const out: unknown[] = [];
  for (const q of queries) {
    out.push(await logs.search(q, { limit: 1_000 }));
    out.push(await logs.search(q, { limit: 3, offset: 2 }));
    out.push(await logs.extent(q));
    out.push(await logs.countBy(q, "service"));
    out.push(await logs.countBy(q, "templateId", 2));
    out.push(
      await logs.histogram(
        { ...q, since: new Date(T0).toISOString(), until: new Date(T0 + 51 * 60_000).toISOString() },
        7 * 60_000,
      ),
    );
  }
  out.push(await logs.get([...refs, 0, refs.length + 5]));
  out.push(await logs.templateCounts({ since: new Date(T0).toISOString(), intervalMs: 10 * 60_000 }));
  out.push(await logs.watermark());
  for (const ref of refs.slice(0, 5)) out.push(await logs.context(ref, { before: 2, after: 2 }));
  return out;
}

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
