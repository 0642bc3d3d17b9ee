import { existsSync } from "node:fs";
import { it } from "vitest";
import { mulberry32 } from "../../bench/lib/random.js";
import { datasetNames, GT_DIR } from "../../bench/parse-golden-corpus.js";

/**
 * Each LogHub dataset's lines (`read`) as they are, then twice more with about half of them given fresh
 * digits, every digit redrawn (leading zeros, a `0` before `x`, a header's date and time included): lines
 * of skeletons seen before, with other values. Seeded, so a failure replays.
 */
export function withRedrawnDigits(read: (dataset: string) => string[], seed: number): string[] {
  const rnd = mulberry32(seed);
  const redraw = (line: string) => line.replace(/\d/g, () => String(Math.floor(rnd() * 10)));
  const lines: string[] = [];
  for (const d of datasetNames()) {
    const own = read(d);
    for (let round = 0; round < 3; round++)
      for (const l of own) lines.push(round === 0 || rnd() < 0.5 ? l : redraw(l));
  }
  return lines;
}

/**
 * A test of `check` on `withRedrawnDigits(read, seed)`: skipped with a note on a machine without the
 * LogHub samples, failed in CI when they are missing (the memos' equivalence checks must run there).
 */
export function itOnRedrawnDigits(
  name: string,
  read: (dataset: string) => string[],
  seed: number,
  check: (lines: string[]) => void,
): void {
  const missing = !existsSync(GT_DIR);
  it.skipIf(missing && !process.env.CI)(
    name,
    () => {
      if (missing) throw new Error(`${name}: needs ${GT_DIR} in CI, and it is missing`);
      check(withRedrawnDigits(read, seed));
    },
    120_000,
  );
}
