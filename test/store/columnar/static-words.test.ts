import { describe, expect, it } from "vitest";
import { staticTextHoldsWords } from "../../../src/store/columnar/static-words.js";

describe("staticTextHoldsWords", () => {
  it("takes a word between boundaries of the static text, folded", () => {
    expect(staticTextHoldsWords("Failed password for <*>", [], "failed")).toBe(true);
    expect(staticTextHoldsWords("Failed password for <*>", ["failed"], "pass")).toBe(true);
    expect(staticTextHoldsWords("Café ouvert <*>", [], "cafe")).toBe(true);
    // At the message's start and end, the message's edge is the boundary.
    expect(staticTextHoldsWords("<*> failed", [], "failed")).toBe(true);
    expect(staticTextHoldsWords("<*> failed", ["failed"], "x")).toBe(false);
  });

  it("refuses a word a value may lengthen", () => {
    // `xfailed`, `failedover`: the word beside a wildcard is not the word the message holds.
    expect(staticTextHoldsWords("login <*>failed now", [], "failed")).toBe(false);
    expect(staticTextHoldsWords("login failed<*> now", ["failed"], "now")).toBe(false);
    // As the last word, a prefix needs only its start bounded: `failedover` starts with `failed`.
    expect(staticTextHoldsWords("login failed<*> now", [], "failed")).toBe(true);
    expect(staticTextHoldsWords("user <*> logged in", [], "logg")).toBe(true);
    expect(staticTextHoldsWords("user <*> logged in", [], "ogged")).toBe(false);
  });
});
