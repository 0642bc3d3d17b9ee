import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { NumberValues } from "../../../src/store/columnar/number-match.js";
import { numberText } from "../../../src/store/columnar/slot-column.js";

const digitText = fc.stringMatching(/^[0-9]{1,16}$/);

describe("NumberValues", () => {
  // The test on decoded integers must agree with the texts the values are shown as: a value passes
  // exactly when its digit text (sign dropped, leading zeros kept) is one of the texts or starts with one.
  it("accepts a value exactly when its digit text is one of the texts or starts with one (property)", () => {
    fc.assert(
      fc.property(
        fc.array(digitText, { maxLength: 4 }),
        fc.array(digitText, { maxLength: 3 }),
        fc.oneof(
          fc.integer({ min: -99999, max: 999_999_999_999_999 }),
          fc.integer({ min: 0, max: 1000 }),
          fc.constantFrom(0, 1, 10, 100, 120, 12, 123456789012345),
        ),
        fc.nat({ max: 4 }),
        (exact, starts, x, padWanted) => {
          // A column holds at most 15 digits, and a negative value no leading zero.
          const natural = String(Math.abs(x)).length;
          const pad = x < 0 ? 0 : Math.min(padWanted, 15 - natural);
          const digits = numberText(x, pad).replace(/^-/, "");
          const want = exact.includes(digits) || starts.some((s) => digits.startsWith(s));
          expect(new NumberValues(exact, starts).matches(x, pad)).toBe(want);
        },
      ),
      { numRuns: 20_000, seed: 18 },
    );
  });

  it("knows zeros, prefixes of zeros and values longer than the text", () => {
    const v = new NumberValues(["007", "0"], ["00", "12"]);
    expect(v.matches(7, 2)).toBe(true);
    expect(v.matches(7, 1)).toBe(false);
    expect(v.matches(0, 0)).toBe(true);
    expect(v.matches(0, 1)).toBe(true); // "00" starts with "00"
    expect(v.matches(5, 2)).toBe(true); // "005" starts with "00"
    expect(v.matches(5, 1)).toBe(false);
    expect(v.matches(1299, 0)).toBe(true);
    expect(v.matches(-12, 0)).toBe(true);
    expect(v.matches(13, 0)).toBe(false);
    expect(v.matches(1, 0)).toBe(false);
  });
});
