import { NO_PINS, type Skeleton, SkeletonTable, skeletonOf, skeletonWords } from "./drain/skeleton.js";
import { type HeaderReplay, type LineHeader, lastSplit, replayHeader, splitHeader } from "./header.js";

/**
 * A line skeleton's header split. It pins no digits: what digit values decide in a header,
 * `replayHeader` re-checks.
 */
class HeaderEntry implements Skeleton<HeaderEntry> {
  next: HeaderEntry | null = null;
  readonly words: Int32Array;
  readonly pins = NO_PINS;
  constructor(
    readonly hash: number,
    readonly skel: Uint8Array,
    readonly header: HeaderReplay,
  ) {
    this.words = skeletonWords(skel);
  }
}

/**
 * `splitHeader` with a whole-line skeleton memo in front, as `RawLineMiner` has for header and body
 * together: a line whose skeleton (digits as one mark, `drain/skeleton.ts`) an earlier line had is
 * split as that line was, its values read at the known token offsets (`replayHeader`, which re-checks
 * the time kinds that hang on digit values, and gives null when one differs). Entries of one skeleton
 * whose headers read differently are tried in turn. Same headers as `splitHeader` (a test compares them
 * on LogHub lines with their digits redrawn).
 *
 * On the messages of bench:ingest's corpus, 0.36-0.63 of `splitHeader`'s CPU a line (scratch A/B,
 * 8 rounds). It was tried inside `splitHeader` once and taken out, when hashing a line's skeleton cost
 * twice what it does now: the shape cache there reads only the header's chars.
 */
export class HeaderSplits {
  readonly #table = new SkeletonTable<HeaderEntry>();
  /** Lines answered from the memo. */
  replayed = 0;

  split(line: string, readTime = true): LineHeader {
    const table = this.#table;
    for (let e = table.find(line); e !== null; e = table.findNext(e, line)) {
      const header = replayHeader(line, e.header, readTime);
      if (header === null) continue;
      this.replayed++;
      return header;
    }
    const header = splitHeader(line, readTime);
    // `lastSplit` reads the split just made: nothing may split between the two calls.
    if (!table.skipped) table.add(new HeaderEntry(table.lastHash, skeletonOf(line), lastSplit(header)));
    return header;
  }
}

/** The thread's memo: the shape cache of `splitHeader` is per thread (module state) too. */
const splits = new HeaderSplits();

/** `splitHeader` through this thread's `HeaderSplits`. */
export function splitHeaderMemo(line: string, readTime = true): LineHeader {
  return splits.split(line, readTime);
}
