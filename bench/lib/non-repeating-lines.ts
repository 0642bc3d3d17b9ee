/**
 * The fresh-valued LogHub corpus of bench:ingest, bench:store and bench:search, one line at a time, with the
 * dataset each line comes from: every LogHub family's lines in rounds, as bench:parse's non-repeating
 * corpus orders them, without building one string of the whole corpus (10M lines would not fit in one).
 * Its values are drawn differently from bench:parse's (`freshLine`, which writes a per-line counter into
 * each digit run): there a run of up to 4 digits cycles with the counter, so most lines equal the line one
 * round (20,000 lines) earlier, and a store that sees that far back (ClickHouse's 1 MiB zstd blocks ordered by
 * service, long segments) compressed repeats real logs do not have. Here each run is a hash of the line's
 * number and the run's position: ids, numbers, addresses and durations do not come back with any period.
 */
import { rawTexts, redrawDigitRuns } from "../parse-golden-corpus.js";

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
        const line = freshValuesLine(raw, ++counter);
        yield { dataset: datasets[d]!, line: line.endsWith("\r") ? line.slice(0, -1) : line };
      }
    }
  }
}

/**
 * Line number `counter` (from 1) of the corpus, made from a source line: every digit run of the body
 * (the header's times are kept) redrawn from a hash of `counter` and the run's position, the same width,
 * so shapes keep their form.
 */
export function freshValuesLine(raw: string, counter: number): string {
  return redrawDigitRuns(raw, true, (run) => mix32(counter * 64 + run));
}

/** A 32-bit integer hash (murmur3's finaliser) of a non-negative integer below 2^53. */
function mix32(n: number): number {
  let h = (n ^ Math.floor(n / 2 ** 32)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
