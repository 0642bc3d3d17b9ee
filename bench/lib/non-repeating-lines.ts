/**
 * bench:parse's non-repeating LogHub corpus (`nonRepeating(repeatTexts(rawTexts(datasets)), true)` split
 * by `splitLines`) produced one line at a time, with the dataset each line comes from: the same lines in the
 * same order, but without building one string of the whole corpus (10M lines would not fit in one).
 */
import { freshLine, rawTexts } from "../parse-golden-corpus.js";

export interface CorpusLine {
  dataset: string;
  line: string;
}

/** Lines in one round of all datasets: the corpus repeats its source lines with this period. */
export function roundLines(datasets: readonly string[]): number {
  return rawTexts(datasets).reduce((a, t) => a + t.split("\n").length, 0);
}

/** At least `lines` lines: whole rounds of all datasets, as `repeatTexts` makes them. */
export function* nonRepeatingRawLines(datasets: readonly string[], lines: number): Generator<CorpusLine> {
  const texts = rawTexts(datasets).map((t) => t.split("\n"));
  const perRound = texts.reduce((a, t) => a + t.length, 0);
  const rounds = Math.ceil(lines / perRound);
  let counter = 0;
  for (let round = 0; round < rounds; round++) {
    for (let d = 0; d < datasets.length; d++) {
      for (const raw of texts[d]!) {
        const line = freshLine(raw, ++counter, true);
        yield { dataset: datasets[d]!, line: line.endsWith("\r") ? line.slice(0, -1) : line };
      }
    }
  }
}
