import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { plainIngestLogs } from "../../src/api/routes/ingest-log-check.js";
import { jsonObjectSchema } from "../../src/api/schemas.js";

// `/ingest`'s body schema as ingest.ts declares it (descriptions left out: they change no result).
const ingestBody = z.preprocess(
  (body) => (Array.isArray(body) ? body : [body]),
  z
    .array(
      z.object({
        timestamp: z.string().optional(),
        service: z.string().optional(),
        level: z.string().optional(),
        message: z.string(),
        metadata: jsonObjectSchema.optional(),
      }),
    )
    .min(1),
);

/** A JSON text's value as the body parsers give it: through JSON.parse, so `__proto__` is an own key. */
const viaJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

const anyJson = fc.jsonValue({ maxDepth: 2 });
const field = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 8 }) },
  { weight: 1, arbitrary: anyJson },
  { weight: 2, arbitrary: fc.constant(undefined) },
);
const metadata = fc.oneof(
  { weight: 4, arbitrary: fc.dictionary(fc.string({ maxLength: 4 }), anyJson, { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.constant({ __proto__: 1, n: 2 }).map((m) => JSON.parse(JSON.stringify(m))) },
  { weight: 1, arbitrary: fc.constant('{"__proto__":{"x":1},"2":0,"a":1}').map((t) => JSON.parse(t)) },
  { weight: 1, arbitrary: anyJson },
  { weight: 2, arbitrary: fc.constant(undefined) },
);
const log = fc
  .record(
    {
      extra: anyJson,
      message: fc.oneof(
        { weight: 12, arbitrary: fc.string({ maxLength: 8 }) },
        { weight: 1, arbitrary: field },
      ),
      timestamp: field,
      service: field,
      level: field,
      metadata,
    },
    { requiredKeys: ["message"] },
  )
  // Keys in a random order, as clients send them.
  .chain((o) => fc.shuffledSubarray(Object.entries(o), { minLength: Object.keys(o).length }))
  .map((entries) => viaJson(Object.fromEntries(entries)));
const body = fc.oneof(
  { weight: 6, arbitrary: fc.array(log, { maxLength: 6 }) },
  { weight: 1, arbitrary: log },
  { weight: 1, arbitrary: anyJson },
);

describe("plainIngestLogs", () => {
  it("gives exactly what zod gives, keys and their order included, or leaves the body to zod (property)", () => {
    let taken = 0;
    fc.assert(
      fc.property(body, (b) => {
        const fast = plainIngestLogs(b);
        if (fast === null) return;
        taken++;
        const slow = ingestBody.safeParse(b);
        expect(slow.success).toBe(true);
        expect(JSON.stringify(fast)).toBe(JSON.stringify(slow.data));
        expect(fast).toStrictEqual(slow.data);
        for (let i = 0; i < fast.length; i++) {
          expect(Object.keys(fast[i]!)).toEqual(Object.keys(slow.data![i]!));
          expect(Object.getPrototypeOf(fast[i]!.metadata ?? {})).toBe(Object.prototype);
        }
      }),
      { numRuns: 10_000, seed: 18 },
    );
    // The property says something only if the fast path is taken often enough.
    expect(taken).toBeGreaterThan(1_000);
  });

  it("takes every body zod takes whose logs have no __proto__ metadata key (property)", () => {
    fc.assert(
      fc.property(fc.array(log, { minLength: 1, maxLength: 6 }), (b) => {
        const slow = ingestBody.safeParse(b);
        const protoKey = (b as { metadata?: object }[]).some(
          (l) =>
            typeof l.metadata === "object" && l.metadata !== null && Object.hasOwn(l.metadata, "__proto__"),
        );
        if (slow.success && !protoKey) expect(plainIngestLogs(b)).not.toBeNull();
      }),
      { numRuns: 5_000, seed: 18 },
    );
  });

  it("leaves to zod an empty array, a lone object and any log with a wrong type", () => {
    expect(plainIngestLogs([])).toBeNull();
    expect(plainIngestLogs({ message: "one" })).toBeNull();
    expect(plainIngestLogs([{ message: "a" }, { message: 1 }])).toBeNull();
    expect(plainIngestLogs([{ message: "a", level: null }])).toBeNull();
    expect(plainIngestLogs([{ message: "a", metadata: [] }])).toBeNull();
    expect(plainIngestLogs([{ message: "a", metadata: null }])).toBeNull();
    expect(plainIngestLogs([null])).toBeNull();
    expect(plainIngestLogs([["message"]])).toBeNull();
    expect(plainIngestLogs([{ level: "INFO", message: "a", extra: 1 }])).toEqual([
      { level: "INFO", message: "a" },
    ]);
  });
});
