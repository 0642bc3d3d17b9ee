import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { severityNumberOf } from "../../src/core/severity.js";

/** The OpenTelemetry numbers of the level words, as documented in src/core/severity.ts. */
const WORDS: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  information: 9,
  informational: 9,
  notice: 10,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  severe: 17,
  crit: 18,
  critical: 18,
  alert: 19,
  emerg: 21,
  emergency: 21,
  fatal: 21,
  panic: 21,
};

/** The rule written plainly: the word in lower case, own keys of the table only. */
function expected(level: string): number {
  const word = level.toLowerCase();
  return Object.hasOwn(WORDS, word) ? WORDS[word]! : 0;
}

/** A level word in a random mix of cases. */
const anyCase = fc
  .tuple(fc.constantFrom(...Object.keys(WORDS)), fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }))
  .map(([word, upper]) => [...word].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(""));

describe("severityNumberOf", () => {
  it("maps a level word in any case to its number", () => {
    fc.assert(
      fc.property(anyCase, (level) => {
        expect(severityNumberOf(level)).toBe(expected(level));
      }),
    );
    expect(severityNumberOf("INFO")).toBe(9);
    expect(severityNumberOf("Warning")).toBe(13);
    expect(severityNumberOf("eRrOr")).toBe(17);
  });

  it("gives 0 for anything else, Object.prototype's names included", () => {
    fc.assert(
      fc.property(fc.string(), (level) => {
        expect(severityNumberOf(level)).toBe(expected(level));
      }),
      { numRuns: 500 },
    );
    for (const level of ["__proto__", "constructor", "toString", "hasOwnProperty", "", "infos", " info"])
      expect(severityNumberOf(level)).toBe(0);
    expect(severityNumberOf(null)).toBe(0);
    expect(severityNumberOf(undefined)).toBe(0);
  });
});
