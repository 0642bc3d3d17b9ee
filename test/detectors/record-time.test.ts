import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { recordTimeMs } from "../../src/detectors/record-time.js";
import { canonicalShapedIsoTexts } from "../helpers/iso-texts.js";

/** `Date.parse`, with NaN compared as a value. */
function expectSameAsDateParse(text: string): void {
  expect(Object.is(recordTimeMs(text), Date.parse(text)), text).toBe(true);
}

describe("recordTimeMs", () => {
  it("is Date.parse on canonical ISO text, in range or not", () => {
    fc.assert(
      fc.property(canonicalShapedIsoTexts, (text) => expectSameAsDateParse(text)),
      { numRuns: 20_000 },
    );
  });

  it("is Date.parse on canonical text with one character changed, and on other shapes", () => {
    const base = "2026-02-28T23:59:59.999Z";
    const mutated = fc
      .tuple(fc.integer({ min: 0, max: base.length - 1 }), fc.constantFrom(..."0123456789-:.TZtz +/aA"))
      .map(([i, c]) => base.slice(0, i) + c + base.slice(i + 1));
    fc.assert(
      fc.property(mutated, (text) => expectSameAsDateParse(text)),
      { numRuns: 5_000 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 30 }), (text) => expectSameAsDateParse(text)));
    for (const text of [
      "2024-02-29T12:00:00.000Z",
      "2026-02-29T12:00:00.000Z",
      "2000-02-29T00:00:00.000Z",
      "1900-02-29T00:00:00.000Z",
      "0000-01-01T00:00:00.000Z",
      "0050-06-15T08:30:00.250Z",
      "9999-12-31T23:59:59.999Z",
      "2026-01-01T24:00:00.000Z",
      "2026-01-01T00:00:00Z",
      "2026-01-01T00:00:00.0000Z",
      "2026-01-01T00:00:00.000+02:00",
      "2026-01-01 00:00:00.000Z",
      "2026-01-01T00:00:00.000z",
      "Mar  1 03:14:07",
      "",
    ])
      expectSameAsDateParse(text);
  });
});
