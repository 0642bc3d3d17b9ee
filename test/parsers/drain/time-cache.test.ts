import { describe, expect } from "vitest";
import { mulberry32 } from "../../../bench/lib/random.js";
import { DrainMiner } from "../../../src/parsers/drain/index.js";
import { timeCache } from "../../../src/parsers/drain/time-cache.js";
import { splitHeader } from "../../../src/parsers/header.js";
import { splitHeaderMemo } from "../../../src/parsers/header-memo.js";
import { RawLineMiner } from "../../../src/parsers/raw-line-miner.js";
import { itOnRedrawnDigits } from "../../helpers/redrawn-digits.js";

/**
 * The lines in blocks of 37, the blocks shuffled (seeded), so time forms alternate as interleaved
 * sources make them, and each form returns to a cache that other forms may have taken since.
 */
function interleaved(lines: string[]): string[] {
  const blocks: string[][] = [];
  for (let i = 0; i < lines.length; i += 37) blocks.push(lines.slice(i, i + 37));
  const rnd = mulberry32(97);
  for (let i = blocks.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
  }
  return blocks.flat();
}

/** Each line's header time with the time cache cold: read in full, as the cache must reproduce. */
function coldTimes(lines: readonly string[]): (string | null)[] {
  return lines.map((line) => {
    timeCache.clear();
    return splitHeader(line).timestamp;
  });
}

describe("the header time cache", () => {
  itOnRedrawnDigits(
    "gives every LogHub line, digits redrawn and sources interleaved, the time a full reading gives",
    "raw lines",
    18_2611,
    (all) => {
      const lines = interleaved(all);
      const expected = coldTimes(lines);
      expect(expected.filter((t) => t !== null).length).toBeGreaterThan(lines.length / 2);
      timeCache.clear();
      const raw = new RawLineMiner(new DrainMiner());
      lines.forEach((line, i) => {
        // Three readers share the cache, each with shapes of its own: the header splitter, the whole-line
        // memo of raw mining (`replayHeader`), and decoding's header memo.
        const where = `line ${i + 1}: ${line}`;
        expect(splitHeader(line).timestamp, where).toBe(expected[i]);
        expect(raw.add("s", line).header.timestamp, where).toBe(expected[i]);
        expect(splitHeaderMemo(line, true).timestamp, where).toBe(expected[i]);
      });
    },
  );
});
