import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/lib/random.js";
import { requiredRegexLiteral } from "../../src/sigma/regex-literal.js";

describe("a regex's required literal", () => {
  it("is the longest run of characters every match holds", () => {
    expect(requiredRegexLiteral(String.raw`\$PSHome\[\s*\d{1,3}\s*\]`)).toBe("$pshome[");
    expect(requiredRegexLiteral(String.raw`cmd\.exe /c (echo|type) .*secret`)).toBe("cmd.exe /c ");
    // An optional character ends the run before it; a required repeated one ends it after.
    expect(requiredRegexLiteral("abcdx?yz")).toBe("abcd");
    expect(requiredRegexLiteral("ab+cdefg")).toBe("cdefg");
    expect(requiredRegexLiteral("abc{2,}defg")).toBe("defg");
    expect(requiredRegexLiteral("abcde{0,3}")).toBe("abcd");
    // A brace that is no quantifier is a character (JavaScript without the u flag).
    expect(requiredRegexLiteral("a{,5}bc")).toBe("a{,5}bc");
    // Nothing required: a top-level alternative, only classes, groups and escapes.
    expect(requiredRegexLiteral("powershell|pwsh")).toBeNull();
    expect(requiredRegexLiteral(String.raw`[a-z]+\d*(foo|bar)`)).toBeNull();
    // Only ASCII is kept (lowering past it is not context-free).
    expect(requiredRegexLiteral("ab\u00e9cdef")).toBe("cdef");
  });

  it("is held by every string a random regex matches (generated with a matching sample)", () => {
    const r = mulberry32(11);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const PLAIN = [..."abcXYZ019 -_/:="];
    const ESCAPED = [...".$[](){}*+?|^\\"];
    /** A regex atom and a string it matches (with the quantifier's repetitions drawn). */
    const atom = (depth: number): [string, string] => {
      const k = r();
      if (k < 0.45) {
        const c = pick(PLAIN);
        return [c, c];
      }
      if (k < 0.6) {
        const c = pick(ESCAPED);
        return [`\\${c}`, c];
      }
      if (k < 0.7) return ["[a-cX]", pick(["a", "b", "c", "X"])];
      if (k < 0.75) return [".", pick(["q", "Z", "."])];
      if (k < 0.8) return ["\\d", pick(["3", "7"])];
      if (depth === 0) {
        const alts = [seq(depth + 1), seq(depth + 1)];
        const chosen = pick(alts);
        return [`(${alts.map((a) => a[0]).join("|")})`, chosen[1]];
      }
      return ["x", "x"];
    };
    const quantified = (depth: number): [string, string] => {
      const [re, sample] = atom(depth);
      // Inside a group, no quantifier: nested ones make some samples take V8's regex engine minutes.
      const q = depth > 0 ? "" : pick(["", "", "", "*", "+", "?", "{2}", "{0,2}", "{1,3}", "*?", "+?"]);
      const min = { "": 1, "*": 0, "+": 1, "?": 0, "{2}": 2, "{0,2}": 0, "{1,3}": 1, "*?": 0, "+?": 1 }[q]!;
      const max = { "": 1, "*": 3, "+": 3, "?": 1, "{2}": 2, "{0,2}": 2, "{1,3}": 3, "*?": 2, "+?": 2 }[q]!;
      const times = min + Math.floor(r() * (max - min + 1));
      // A quantified atom repeats one drawn sample (a class drawn once per repetition would be fine too).
      return [re + q, sample.repeat(times)];
    };
    const seq = (depth: number): [string, string] => {
      const parts = Array.from({ length: 1 + Math.floor(r() * 8) }, () => quantified(depth));
      return [parts.map((p) => p[0]).join(""), parts.map((p) => p[1]).join("")];
    };
    let withLiteral = 0;
    for (let n = 0; n < 3000; n++) {
      const [source, sample] = seq(0);
      const flags = r() < 0.5 ? "i" : "";
      const text = flags === "i" && r() < 0.5 ? sample.toUpperCase() : sample;
      expect(new RegExp(source, flags).test(text), `${source} on ${text}`).toBe(true);
      const literal = requiredRegexLiteral(source);
      if (literal === null) continue;
      withLiteral++;
      expect(text.toLowerCase().includes(literal), `${source}: ${literal} in ${text}`).toBe(true);
    }
    expect(withLiteral).toBeGreaterThan(1000);
  });
});
