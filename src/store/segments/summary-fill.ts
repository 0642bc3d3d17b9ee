import { setTimeout as sleep } from "node:timers/promises";
import type { PieceSession } from "./piece-session.js";
import type { Piece } from "./pieces.js";

/** How a `SummaryFill` paces itself. */
export interface SummaryFillOptions {
  /**
   * The share of the thread's time it takes while it runs: after a summary that took t ms it waits
   * t × (1 − duty) / duty. 0 turns the fill off.
   */
  duty: number;
  /** It starts, and goes on, only once no search for a number runs or has begun or ended for this long (ms). */
  quietMs: number;
}

export const DEFAULT_SUMMARY_FILL: SummaryFillOptions = { duty: 0.25, quietMs: 250 };
/** How often a fill looks again while a search for a number runs. */
const QUIET_POLL_MS = 10;

/**
 * Builds, in idle time, the digit-run summaries a store object's cache lacks, once a search for a
 * number has run. A search builds the summary of each segment its stored filter lets through, and those
 * are not the same segments for the next number (about 6% of the segments lacking it, drawn anew for
 * each), so every new number paid for summaries again: over 3M stored lines, the second to twelfth
 * different numbers took 13–164 ms (median 72), and 10–46 ms (median 22) once every summary was built.
 *
 * Segments are summarised newest first, as searches walk, one at a time. Between two it waits so as to
 * take at most `duty` of the thread, and it waits while a search for a number runs and until none has
 * begun or ended for `quietMs`, so such a search waits behind one summary at most (a few ms). It stops
 * when every segment listed has a summary, or when the next would take the cache past its budget (it
 * evicts nothing a search kept). A failure (the database closed under it) ends the run: summaries are
 * only ever a shortcut.
 */
export class SummaryFill {
  #run: Promise<void> | null = null;
  /** Searches for a number running now, and when the last one began or ended (`performance.now`). */
  #searching = 0;
  #lastSearchAt = Number.NEGATIVE_INFINITY;
  /** A search for a number ended while a run was going: the segments listed then may be fewer than now. */
  #again = false;

  constructor(
    private readonly segments: () => Promise<Piece[]>,
    private readonly session: () => PieceSession,
    private readonly options: SummaryFillOptions = DEFAULT_SUMMARY_FILL,
  ) {}

  /** A search for a number began: the fill waits for it. */
  began(): void {
    this.#searching++;
    this.#lastSearchAt = performance.now();
  }

  /** A search for a number ended: fill once things are quiet. */
  ended(): void {
    this.#searching--;
    this.#lastSearchAt = performance.now();
    if (this.options.duty <= 0) return;
    if (this.#run) {
      this.#again = true;
      return;
    }
    this.#run = this.#fill().finally(() => {
      this.#run = null;
    });
  }

  /** Resolves when no fill is running (tests, benchmarks, and a store closing). */
  async idle(): Promise<void> {
    if (!this.#run) return;
    // The fill's timers do not keep the process alive (a one-shot command exits with a fill going);
    // a caller waiting for it does.
    const keepAlive = setInterval(() => {}, 60_000);
    try {
      while (this.#run) await this.#run;
    } finally {
      clearInterval(keepAlive);
    }
  }

  async #fill(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#quiet();
        const session = this.session();
        for (const piece of await this.segments()) {
          await this.#quiet();
          const started = performance.now();
          const done = await session.summarize(piece);
          if (done === "full") return;
          if (done === "built") await this.#rest(performance.now() - started);
        }
      } while (this.#again);
    } catch {
      // Summaries are a shortcut: a search builds what it needs itself.
    }
  }

  /** Waits until no search for a number runs, nor has begun or ended for `quietMs`. */
  async #quiet(): Promise<void> {
    for (;;) {
      const wait = this.#lastSearchAt + this.options.quietMs - performance.now();
      if (this.#searching === 0 && wait <= 0) return;
      await sleep(Math.max(wait, QUIET_POLL_MS), undefined, { ref: false });
    }
  }

  async #rest(spentMs: number): Promise<void> {
    const duty = Math.min(1, this.options.duty);
    const wait = (spentMs * (1 - duty)) / duty;
    // A yield even at full duty: searches and other work get their turns between summaries.
    await sleep(wait, undefined, { ref: false });
  }
}
