import { it } from "vitest";
import { mulberry32 } from "../../bench/lib/random.js";
import { datasetNames, readBodies } from "../../bench/parse-golden-corpus.js";
import { LOGHUB_SYSTEMS, loghubLines } from "./loghub.js";
import { needSharedDatasets } from "./shared-datasets.js";

/**
 * What the lines are: each LogHub system's raw lines (in the repository, `loghub.ts`), or its message
 * bodies, the `Content` column of LogHub's ground truth (beside the clone, in ../shared/datasets).
 */
export type RedrawnSource = "raw lines" | "bodies";

/** The systems and how to read each one's lines; both list the ten LogHub systems in the same order. */
function readerOf(source: RedrawnSource): {
  systems: () => readonly string[];
  read: (system: string) => string[];
} {
  return source === "raw lines"
    ? { systems: () => LOGHUB_SYSTEMS, read: loghubLines }
    : { systems: datasetNames, read: readBodies };
}

/**
 * Each LogHub system's lines as they are, then twice more with about half of them given fresh digits,
 * every digit redrawn (leading zeros, a `0` before `x`, a header's date and time included): lines of
 * skeletons seen before, with other values. Seeded, so a failure replays.
 */
export function withRedrawnDigits(source: RedrawnSource, seed: number): string[] {
  const { systems, read } = readerOf(source);
  const rnd = mulberry32(seed);
  const redraw = (line: string) => line.replace(/\d/g, () => String(Math.floor(rnd() * 10)));
  const lines: string[] = [];
  for (const d of systems()) {
    const own = read(d);
    for (let round = 0; round < 3; round++)
      for (const l of own) lines.push(round === 0 || rnd() < 0.5 ? l : redraw(l));
  }
  return lines;
}

/**
 * A test of `check` on `withRedrawnDigits(source, seed)`. On raw lines it runs everywhere; on bodies it
 * needs LogHub's ground truth in ../shared/datasets: skipped with a note on a machine without it, failed in
 * CI when it is missing (the memos' equivalence checks must run there).
 */
export function itOnRedrawnDigits(
  name: string,
  source: RedrawnSource,
  seed: number,
  check: (lines: string[]) => void,
): void {
  const need = source === "bodies" ? needSharedDatasets(name, "loghub-2k") : undefined;
  it.skipIf(need?.skip ?? false)(
    name,
    () => {
      need?.assertPresent();
      check(withRedrawnDigits(source, seed));
    },
    120_000,
  );
}
