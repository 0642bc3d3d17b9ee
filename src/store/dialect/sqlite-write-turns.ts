/**
 * Turns at a SQLite file's write lock between the event loop's connection and the sealing thread's.
 *
 * Both begin their transactions with `BEGIN IMMEDIATE`, and a connection that finds the lock taken waits
 * in SQLite's busy handler, which sleeps 1, 2, 5 … up to 100 ms between tries. Under steady ingest the
 * event loop holds the lock for each batch's whole transaction and lets it go for well under a
 * millisecond before the next, so the sealing thread, asleep at those moments, waited 0.05–4 s for a
 * 6–20 ms transaction and sometimes its whole 5 s busy timeout: its encoded segments were thrown away,
 * and unsealed lines grew by about 20,000 a second at 58,000 lines/s ingested.
 *
 * So the two connections say what they do through two shared words. The taker (the sealing thread) sets
 * WANT before it begins and waits while the yielder (the event loop) is inside a transaction (IN_TX);
 * the yielder, before it begins, sees WANT and holds off until the taker commits. Each stores its own
 * word before it reads the other's (sequentially consistent atomics), so at least one of them sees the
 * other and they never both go ahead unseen; if both see each other, the yielder holds off. The lock
 * itself stays SQLite's: this only orders who asks first, so a missed or stale word costs time, never
 * correctness. The yielder waits at most `YIELD_MAX_MS` and then clears a WANT that outlived it (a
 * taker whose thread died), so a stuck word slows one transaction, not all of them.
 */

/** Indices of the shared words. */
const WANT = 0;
const IN_TX = 1;

/** Longest the event loop holds off for one seal's transaction (they take 6–20 ms here). */
const YIELD_MAX_MS = 1_000;
/** Longest the sealing thread waits for the event loop's transaction to end before asking SQLite anyway. */
const TAKE_MAX_MS = 5_000;

/** One connection's side of the hand-off: what it does before `BEGIN IMMEDIATE` and once it has ended. */
export interface WriteTurnsSide {
  beforeBegin(): Promise<void>;
  /** After commit or rollback, or a begin that failed. */
  afterEnd(): void;
}

/** The two words, on memory both threads see (a `SharedArrayBuffer` crosses to a worker as itself). */
export class WriteTurns {
  readonly #words: Int32Array;
  readonly #yieldMaxMs: number;

  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT),
    options: { yieldMaxMs?: number } = {},
  ) {
    this.#words = new Int32Array(buffer);
    this.#yieldMaxMs = options.yieldMaxMs ?? YIELD_MAX_MS;
  }

  /** The event loop, before `BEGIN IMMEDIATE`: holds off while the sealing thread wants its turn. */
  async beforeYielderBegins(): Promise<void> {
    const w = this.#words;
    for (;;) {
      Atomics.store(w, IN_TX, 1);
      if (Atomics.load(w, WANT) === 0) return;
      Atomics.store(w, IN_TX, 0);
      Atomics.notify(w, IN_TX);
      const waited = Atomics.waitAsync(w, WANT, 1, this.#yieldMaxMs);
      const outcome = waited.async ? await waited.value : waited.value;
      if (outcome === "timed-out") Atomics.compareExchange(w, WANT, 1, 0);
    }
  }

  /** The event loop, once its transaction committed or rolled back. */
  afterYielderEnds(): void {
    Atomics.store(this.#words, IN_TX, 0);
    Atomics.notify(this.#words, IN_TX);
  }

  /** The sealing thread, before `BEGIN IMMEDIATE`: asks for the next turn, then waits for the current one. */
  async beforeTakerBegins(): Promise<void> {
    const w = this.#words;
    Atomics.store(w, WANT, 1);
    if (Atomics.load(w, IN_TX) === 0) return;
    const waited = Atomics.waitAsync(w, IN_TX, 1, TAKE_MAX_MS);
    if (waited.async) await waited.value;
  }

  /** The sealing thread, once its transaction committed or rolled back (or failed to begin). */
  afterTakerEnds(): void {
    Atomics.store(this.#words, WANT, 0);
    Atomics.notify(this.#words, WANT);
  }

  /** The side of the connection that gives turns (the event loop's). */
  yielder(): WriteTurnsSide {
    return { beforeBegin: () => this.beforeYielderBegins(), afterEnd: () => this.afterYielderEnds() };
  }

  /** The side of the connection that asks for them (the sealing thread's). */
  taker(): WriteTurnsSide {
    return { beforeBegin: () => this.beforeTakerBegins(), afterEnd: () => this.afterTakerEnds() };
  }
}
