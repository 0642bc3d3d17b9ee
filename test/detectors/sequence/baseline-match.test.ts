import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BaselineMatcher } from "../../../src/detectors/sequence/baseline-match.js";

/** The token test before issue 49: a regular expression built from the template token. */
function regexTokenTest(token: string, t: string): boolean {
  if (token === "<*>") return true;
  const pattern = token
    .split("<*>")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*?");
  return new RegExp(`^${pattern}$`, "s").test(t);
}

const fits = (template: string, body: string) => new BaselineMatcher([["t", template]]).match(body) === "t";

describe("BaselineMatcher: a line's text against trained templates", () => {
  it("matches shaped tokens, whose wildcards may stand for nothing", () => {
    expect(fits("read blk_<*> from /<*>:<*>", "read blk_-42 from /10.0.0.1:50010")).toBe(true);
    expect(fits("read blk_<*> from /<*>:<*>", "read blk_-42 from 10.0.0.1:50010")).toBe(false);
    expect(fits("user=<*> ok", "user= ok")).toBe(true);
    expect(fits("(<*>)(<*>)", "()()")).toBe(true);
    expect(fits("(<*>)(<*>)", "()")).toBe(false);
    expect(fits("ab<*>ba", "aba")).toBe(false);
    expect(fits("ab<*>ba", "abba")).toBe(true);
    expect(fits("a.<*>*b", "a.x*b")).toBe(true);
    expect(fits("a.<*>*b", "aXx*b")).toBe(false);
  });

  it("agrees with the old regular expression on small random tokens", () => {
    const unit = fc.constantFrom("a", "b", ".", "(", ")");
    const token = fc
      .array(fc.string({ unit, maxLength: 3 }), { minLength: 2, maxLength: 5 })
      .map((parts) => parts.join("<*>"));
    fc.assert(
      fc.property(token, fc.string({ unit, minLength: 1, maxLength: 12 }), (template, t) => {
        expect(fits(template, t)).toBe(regexTokenTest(template, t));
      }),
      { numRuns: 5000 },
    );
  });

  it("answers at once for a long token that almost fits (the regular expression backtracked for seconds)", () => {
    const token = `(${Array.from({ length: 2000 }, (_, i) => i).join(")(")})x`;
    const started = performance.now();
    expect(fits("open (<*>)(<*>)(<*>)(<*>)(<*>)", `open ${token}`)).toBe(false);
    expect(fits("open (<*>)(<*>)(<*>)(<*>)(<*>)", `open ${token.slice(0, -1)}`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(200);
  });
});
