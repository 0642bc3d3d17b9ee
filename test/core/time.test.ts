import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalIsoMs } from "../../src/core/time.js";

/** What `canonicalIsoMs` must give: `Date.parse` of the canonical form it reads, undefined for any other text. */
function expected(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text)) return undefined;
  const ms = Date.parse(text);
  // V8 rolls 2026-02-30 over to March; the canonical form names a day that exists.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text.slice(0, 10) ? undefined : ms;
}

describe("canonicalIsoMs", () => {
  it("reads canonical ISO times as Date.parse does, whatever was read before (property)", () => {
    const digits = (n: number) => fc.array(fc.constantFrom(..."0123456789"), { minLength: n, maxLength: n });
    // Times that share a minute with the one before, cross minutes, and break the form at any field.
    const time = fc.oneof(
      fc
        .date({
          min: new Date(Date.UTC(0, 0, 1)),
          max: new Date(Date.UTC(9999, 11, 31)),
          noInvalidDate: true,
        })
        .map((d) => d.toISOString()),
      fc
        .tuple(
          fc.constantFrom(
            "2026-01-01T10:00:",
            "2026-02-28T23:59:",
            "0099-12-31T00:00:",
            "2026-02-30T10:00:",
            "2026-13-01T10:00:",
          ),
          digits(2),
          digits(3),
        )
        .map(([m, s, ms]) => `${m}${s.join("")}.${ms.join("")}Z`),
      fc.tuple(digits(4), digits(2), digits(2), digits(2), digits(2), digits(2), digits(3)).map((p) => {
        const [y, mo, d, h, mi, s, ms] = p.map((x) => x.join(""));
        return `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`;
      }),
      fc.constantFrom(
        "2026-01-01T10:00:0x.000Z",
        "2026-01-01T10:00:00.00xZ",
        "2026-01-01T10:00:00.000",
        "2026-01-01 10:00:00.000Z",
        "",
      ),
    );
    fc.assert(
      fc.property(fc.array(time, { maxLength: 20 }), (times) => {
        for (const t of times) expect(canonicalIsoMs(t), t).toBe(expected(t));
      }),
      { numRuns: 2_000 },
    );
  });

  it("reads the seconds of a time in the minute it read last, and no other minute's", () => {
    expect(canonicalIsoMs("2026-01-01T10:00:00.000Z")).toBe(Date.UTC(2026, 0, 1, 10, 0, 0, 0));
    expect(canonicalIsoMs("2026-01-01T10:00:59.999Z")).toBe(Date.UTC(2026, 0, 1, 10, 0, 59, 999));
    expect(canonicalIsoMs("2026-01-01T10:00:60.000Z")).toBeUndefined();
    expect(canonicalIsoMs("2026-01-01T10:01:00.000Z")).toBe(Date.UTC(2026, 0, 1, 10, 1, 0, 0));
    expect(canonicalIsoMs("2026-01-01T10:00:30.500Z")).toBe(Date.UTC(2026, 0, 1, 10, 0, 30, 500));
    expect(canonicalIsoMs("0012-03-04T05:06:07.008Z")).toBe(Date.parse("0012-03-04T05:06:07.008Z"));
  });
});
