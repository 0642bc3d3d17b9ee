import { templatePieces } from "./template-pieces.js";
import { foldText, WORD_RUNS } from "./word-fold.js";

/**
 * Whether every message encoded against `template` holds the query's words through its static text
 * alone, whatever its variables hold: each of `whole` is a word of the static text with a word boundary
 * on both sides inside that text, and some word of it starting with `last` has one before it (the
 * record matcher's test, `messageHasWords`). A word touching a wildcard is not enough: the value beside
 * it may go on with letters or digits (`failed<*>` holds `failedover`). Such an entry's encoded rows
 * match the text without their messages being built: counting them reads only their times.
 */
export function staticTextHoldsWords(template: string, whole: readonly string[], last: string): boolean {
  const runs = boundedRuns(template);
  for (const w of whole) if (!runs.some((r) => r.left && r.right && r.word === w)) return false;
  return runs.some((r) => r.left && r.word.startsWith(last));
}

interface StaticRun {
  word: string;
  /** Nothing but a non-word character or the message's start can precede it. */
  left: boolean;
  /** Nothing but a non-word character or the message's end can follow it. */
  right: boolean;
}

/** The recent templates' folded static words, by template text (templates recur from segment to segment). */
const recentRuns = new Map<string, StaticRun[]>();
const RECENT_TEMPLATES = 8_192;

function boundedRuns(template: string): StaticRun[] {
  let runs = recentRuns.get(template);
  if (runs !== undefined) return runs;
  runs = [];
  const pieces = templatePieces(template);
  pieces.forEach((piece, k) => {
    // Folding maps word characters to word characters only, so the piece's runs are the message's.
    const folded = foldText(piece);
    for (const m of folded.matchAll(WORD_RUNS)) {
      const end = m.index + m[0].length;
      runs!.push({
        word: m[0],
        left: m.index > 0 || k === 0,
        right: end < folded.length || k === pieces.length - 1,
      });
    }
  });
  if (recentRuns.size >= RECENT_TEMPLATES) recentRuns.clear();
  recentRuns.set(template, runs);
  return runs;
}
