import type { TemplateMatch } from "../core/template.js";
import type { DrainMiner } from "./drain/miner.js";
import {
  encodeWindow,
  type Skeleton,
  type SkeletonEntry,
  SkeletonTable,
  skeletonOf,
  skeletonWords,
  WINDOW_CHARS,
  windowGeneration,
} from "./drain/skeleton.js";
import { type HeaderReplay, type LineHeader, lastSplit, replayHeader, splitHeader } from "./header.js";

/**
 * The lines of `text` as `RawLineMiner.addText` splits it, for callers that need them as an array:
 * lines end at `\n`, without a `\r` before it, and a final `\n` ends the last line (no empty line after).
 */
export function textLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split("\n");
  if (text.endsWith("\n")) lines.pop();
  return lines.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
}

/** A raw line's header and the template of its body. */
export interface RawLineMatch {
  header: LineHeader;
  match: TemplateMatch;
}

/** A line skeleton's header split and its body's skeleton entry in the miner. */
class RawEntry implements Skeleton<RawEntry> {
  next: RawEntry | null = null;
  readonly words: Int32Array;
  constructor(
    readonly hash: number,
    readonly skel: Uint8Array,
    readonly pins: Int32Array,
    readonly stream: string,
    readonly header: HeaderReplay,
    readonly body: SkeletonEntry,
  ) {
    this.words = skeletonWords(skel);
  }
}

/**
 * Header stripping and template mining of raw lines (`splitHeader`, then `DrainMiner.add` on the
 * body), with one skeleton memo for the whole line in front: a line whose skeleton an earlier line
 * had (digits as one mark, see `skeleton.ts`) has that line's header tokens and the same body
 * skeleton, so it is checked once, char by char, and then gets its header values read at the known
 * token offsets (`replayHeader`, which re-checks the time kinds that hang on digit values) and its
 * body counted under the known template (`DrainMiner.addKnown`, which checks that the template still
 * takes it as the memo would). Either check failing sends the line the usual way. One pass to hash
 * and one to check the line's chars, instead of the header's and the miner's scans: what
 * `logwarden parse` runs on raw files, and bench:parse's raw rows time.
 *
 * The results are the two steps': header, match, and the miner's state (a test compares them).
 */
export class RawLineMiner {
  private readonly table = new SkeletonTable<RawEntry>();

  /** `readTime` false: the header's time is recognised but not converted (`splitHeader`'s flag). */
  constructor(
    readonly miner: DrainMiner,
    private readonly readTime = true,
  ) {}

  /** `at`: the record time when the header has none (the miner's default: now). */
  add(stream: string, line: string, at?: string): RawLineMatch {
    return this.#add(stream, line, at, -1);
  }

  /**
   * `add` for every line of `text`, in order, each given to `each` with its match: lines end at `\n`,
   * without a `\r` before it, and a final `\n` ends the last line (no empty line after it), as a file's
   * lines are read. Returns the number of lines. The text is copied into the skeleton kernel's memory a
   * window of lines at a time (`encodeWindow`) rather than a line at a time: what `logwarden parse`
   * runs on raw files.
   */
  addText(stream: string, text: string, each: (match: RawLineMatch, line: string) => void): number {
    const n = text.length;
    let lines = 0;
    let p = 0;
    while (p < n) {
      // A window of whole lines: up to the last line end within WINDOW_CHARS, or one longer line.
      let stop = p + WINDOW_CHARS >= n ? n : text.lastIndexOf("\n", p + WINDOW_CHARS - 1) + 1;
      if (stop <= p) {
        const nl = text.indexOf("\n", p);
        stop = nl < 0 ? n : nl + 1;
      }
      const start = p;
      let base = encodeWindow(text, start, stop);
      let generation = windowGeneration();
      while (p < stop) {
        let end = text.indexOf("\n", p);
        if (end < 0 || end >= stop) end = stop;
        const next = end + 1;
        if (end > p && text.charCodeAt(end - 1) === 13) end--;
        // `each` may have mined text of its own, which took the window: copy this one again.
        if (base >= 0 && generation !== windowGeneration()) {
          base = encodeWindow(text, start, stop);
          generation = windowGeneration();
        }
        const line = text.slice(p, end);
        each(this.#add(stream, line, undefined, base < 0 ? -1 : base + (p - start)), line);
        lines++;
        p = next;
      }
    }
    return lines;
  }

  /** `bytesAt` >= 0: where the line's bytes are in the skeleton kernel's memory (`encodeWindow`). */
  #add(stream: string, line: string, at: string | undefined, bytesAt: number): RawLineMatch {
    // Entries of one skeleton differ where the skeleton says nothing: pinned digits, and the header's
    // digit-valued time kinds (`081109 204005 35`: whether the third token could be a time part). The
    // first whose header replays is the line's; trying only the newest made lines of such a skeleton
    // replace each other's entries and take the slow path, 2.9 % of bench:parse's raw lines.
    for (let e = this.table.find(line, bytesAt); e !== null; e = this.table.findNext(e, line)) {
      if (e.stream !== stream) continue;
      const header = replayHeader(line, e.header, this.readTime);
      if (header === null) continue;
      const when = header.timestamp ?? at;
      const match = this.miner.addKnown(stream, e.body, line, e.header.bodyStart, when);
      if (match !== null) return { header, match };
      this.table.delete(e);
      break;
    }
    const header = splitHeader(line, this.readTime);
    const match = this.miner.add(stream, header.body, header.timestamp ?? at);
    const body = this.miner.lastSkeleton;
    if (body !== null && !this.table.skipped) {
      const replay = lastSplit(header);
      // The body's pinned digits (its template's literal ones), at their place in the line.
      const pins = body.pins.length === 0 ? body.pins : body.pins.slice();
      for (let k = 0; k < pins.length; k += 2) pins[k]! += replay.bodyStart;
      this.table.add(new RawEntry(this.table.lastHash, skeletonOf(line), pins, stream, replay, body));
    }
    return { header, match };
  }
}
