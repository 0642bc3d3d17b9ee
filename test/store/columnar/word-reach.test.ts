import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { WORD_RUNS } from "../../../src/store/columnar/word-fold.js";
import {
  FoldedValues,
  foldValuesOneByOne,
  slotPart,
  textPart,
} from "../../../src/store/columnar/word-reach.js";
import { binaryString } from "../../helpers/binary-string.js";

/** Values as dictionaries hold them: words, digits, punctuation, accents, astral and lone surrogates. */
const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  binaryString({ maxLength: 8 }),
  fc.constantFrom(
    "",
    "blk_-1608",
    "Café",
    "ÉTÉ",
    "user@example.com",
    "x\uD835\uDC00",
    "\uDC00a",
    "a\uD800",
    "10.0.0.1",
  ),
);

describe("slotPart", () => {
  // The one-pass fold of a dictionary (one string for all values) must give what folding value by value
  // gives: the prefilter's answers depend on every field.
  it("folds a dictionary in one pass exactly as value by value", () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 40 }), (values) => {
        const part = slotPart({ kind: "dictionary", values });
        expect(part.kind).toBe("values");
        if (part.kind !== "values") return;
        const reference = foldValuesOneByOne(values);
        const folded = part.values;
        expect(folded).toBeInstanceOf(FoldedValues);
        if (!(folded instanceof FoldedValues)) return;
        expect(folded.joined).toBe(reference.joined);
        expect([...folded.wordValues].sort()).toEqual([...reference.wordValues].sort());
        expect([...folded.lastRuns].sort()).toEqual([...reference.lastRuns].sort());
        expect(folded.hasEmpty).toBe(reference.hasEmpty);
      }),
      { numRuns: 2_000, seed: 18 },
    );
  });
});

describe("textPart", () => {
  it("finds where words may start as the word-run pattern does", () => {
    fc.assert(
      fc.property(fc.oneof(value, fc.string({ unit: "grapheme", maxLength: 30 })), (raw) => {
        const part = textPart(raw);
        if (part.kind !== "text") throw new Error("a text part");
        const starts = [...part.text.matchAll(WORD_RUNS)].map((m) => m.index);
        if (starts[0] !== 0 && part.text !== "") starts.unshift(0);
        expect(part.starts).toEqual(starts);
      }),
      { numRuns: 2_000, seed: 18 },
    );
  });
});
