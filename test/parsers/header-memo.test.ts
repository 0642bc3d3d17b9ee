import { describe, expect, it } from "vitest";
import { splitHeader } from "../../src/parsers/header.js";
import { HeaderSplits } from "../../src/parsers/header-memo.js";
import { itOnRedrawnDigits } from "../helpers/redrawn-digits.js";

/** HeaderSplits puts a whole-line skeleton memo in front of splitHeader: it must give the same headers. */
function expectSame(splits: HeaderSplits, lines: readonly string[], readTime: (i: number) => boolean): void {
  lines.forEach((line, i) => {
    const got = splits.split(line, readTime(i));
    const want = splitHeader(line, readTime(i));
    if (JSON.stringify(got) !== JSON.stringify(want)) expect({ line, ...got }).toEqual({ line, ...want });
  });
}

describe("HeaderSplits", () => {
  it("replays a known skeleton's split, and splits again where a digit-valued time kind differs", () => {
    const splits = new HeaderSplits();
    const good = (s: number) =>
      `Jun 14 15:16:0${s} combo sshd[1993${s}]: accepted key for 10.0.0.${s} port 2${s}`;
    const bad = (s: number) =>
      `Jun 45 15:16:0${s} combo sshd[1993${s}]: accepted key for 10.0.0.${s} port 2${s}`;
    const lines = [good(1), bad(1), good(2), bad(2), good(3), bad(3)];
    expectSame(splits, lines, () => true);
    // The first of each reading is split; every later line is replayed.
    expect(splits.replayed).toBe(4);
    const line = "Jun 14 15:17:09 combo sshd[20011]: accepted key for 10.0.9.7 port 99";
    const h = splits.split(line);
    expect(h).toEqual(splitHeader(line));
    expect(h.body).toBe("accepted key for 10.0.9.7 port 99");
    expect(splits.replayed).toBe(5);
  });

  itOnRedrawnDigits(
    "gives splitHeader's headers on LogHub raw lines with their digits redrawn, times read or not",
    "raw lines",
    7,
    (lines) => {
      const splits = new HeaderSplits();
      expectSame(splits, lines, () => true);
      expectSame(splits, lines, () => false);
      // One memo serves callers that read times and callers that do not (a client's time given or not).
      expectSame(splits, lines, (i) => i % 3 === 0);
      expect(splits.replayed).toBeGreaterThan(lines.length);
    },
  );
});
