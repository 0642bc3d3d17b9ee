import fc from "fast-check";
import type { LogQuery, LogStore, RecordToAppend } from "../../../src/core/log-store.js";
import type { StoreTransaction } from "../../../src/store/db.js";

/**
 * Arbitrary records (odd text, shared times, messages that do or do not fit their template) and
 * queries, and every read a `LogStore` answers for them: two stores that hold the same records must give
 * the same answers (segment-differential.test.ts, table-conversion.test.ts).
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
export const T0 = Date.parse("2026-05-04T10:00:00.000Z");

export const records = fc.array(
  fc.record({
    minute: fc.nat({ max: 50 }),
    // Mostly `toISOString`'s form; some kept as written (their text order is not their time order).
    timeForm: fc.constantFrom("iso", "iso", "iso", "iso", "noMillis", "space", "year10000"),
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

export type GeneratedRecord = typeof records extends fc.Arbitrary<(infer R)[]> ? R : never;

/** Minute `minute` after T0 in one of the forms a record time may have. */
function timeText(minute: number, form: string): string {
  const iso = new Date(T0 + minute * 60_000).toISOString();
  if (form === "noMillis") return iso.replace(".000Z", "Z");
  if (form === "space") return iso.replace("T", " ").replace(".000Z", "");
  if (form === "year10000") return new Date(253_402_300_800_000 + minute * 60_000).toISOString();
  return iso;
}

export function toAppend(r: GeneratedRecord): RecordToAppend {
  const timestamp = timeText(r.minute, r.timeForm);
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

export const query: fc.Arbitrary<LogQuery> = fc.record(
  {
    text: fc.oneof(word, text),
    service: fc.constantFrom("api", "db"),
    host: fc.constant("h1"),
    templateId: fc.constantFrom("api:user <*> logged in", "db:<*>"),
    minSeverityNumber: fc.constantFrom(9, 13),
    since: fc
      .tuple(fc.nat({ max: 50 }), fc.constantFrom("iso", "iso", "noMillis"))
      .map(([m, f]) => timeText(m, f)),
    until: fc
      .tuple(fc.nat({ max: 50 }), fc.constantFrom("iso", "iso", "noMillis"))
      .map(([m, f]) => timeText(m, f)),
  },
  { requiredKeys: [] },
);

export async function answers(logs: LogStore<StoreTransaction>, queries: LogQuery[], refs: number[]) {
  const out: unknown[] = [];
  for (const q of queries) {
    out.push(await logs.search(q, { limit: 1_000 }));
    const all = (await logs.search(q, { limit: 1_000 })) as { timestamp: string; ref: number }[];
    out.push(await logs.search(q, { limit: 3, offset: 2 }));
    // From a position: the third record's (a canonical time, or one kept as written).
    if (all[2])
      out.push(await logs.search(q, { limit: 4, after: { timestamp: all[2].timestamp, ref: all[2].ref } }));
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
