import { describe, expect, it } from "vitest";
import { foldText } from "../../../src/store/columnar/word-fold.js";

describe("lean index", () => {
  // A LeanIndex searches the raw bytes of an index block for words of digits (lean-index.ts): sound only
  // if ASCII digits fold to themselves and no other character folds to anything holding one.
  it("relies on folding: only an ASCII digit folds to an ASCII digit", () => {
    const wrong: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      const folded = foldText(ch);
      const isDigit = cp >= 48 && cp <= 57;
      if (isDigit ? folded !== ch : /[0-9]/.test(folded)) wrong.push(cp.toString(16));
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it("relies on folding: an ASCII text folds to its lower case", () => {
    let all = "";
    for (let cp = 0; cp < 128; cp++) all += String.fromCharCode(cp);
    expect(foldText(all)).toBe(all.replace(/[A-Z]/g, (c) => c.toLowerCase()));
  });
});
