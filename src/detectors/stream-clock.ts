import type { JsonValue } from "../core/json.js";
import { DAY_MS } from "../core/time.js";
import type { UndoLog } from "../core/undo.js";
import { LruMap } from "./lru.js";

/**
 * How a record's time relates to what its stream (or window, or key) has seen so far:
 * - `first`: nothing seen yet;
 * - `continuous`: at most `backMs` before the latest time and at most `forwardMs` after it (slightly late
 *   records are normal: several writers, buffered shippers);
 * - `jumped_back`: further back than that (a backfill, a replay, an old file uploaded after live logs);
 * - `jumped_forward`: further ahead (a gap too long for the history to hold, a clock fixed by hand).
 *
 * After a jump the records belong to another period: whatever was learned from the previous one (a window's
 * events, a baseline, a burst) does not describe them, so detectors start that state again.
 */
export type ClockStep = "first" | "continuous" | "jumped_back" | "jumped_forward";

export interface ClockLimits {
  /** How far before the latest time a record still belongs to the same period. */
  backMs: number;
  /** How far after the latest time it still does (Infinity: a stream never jumps forward). */
  forwardMs: number;
}

/**
 * A forward step that no baseline bridges: past a month of silence a stream's old profile says little about
 * it. Shorter silences are not jumps: `tick` and gap filling count them as the quiet they are.
 */
export const FAR_FORWARD_MS = 30 * DAY_MS;

/** The step from `latest` (undefined: nothing seen) to `at`. */
export function stepOf(latest: number | undefined, at: number, limits: ClockLimits): ClockStep {
  if (latest === undefined) return "first";
  if (at < latest - limits.backMs) return "jumped_back";
  if (at > latest + limits.forwardMs) return "jumped_forward";
  return "continuous";
}

/**
 * Record time between two moments of a key in either direction: a cooldown measured on a stream that
 * jumped back is not negative (which would silence a rule until the stream's time caught up again).
 */
export function elapsedMs(from: number, to: number): number {
  return Math.abs(to - from);
}

export function isJump(step: ClockStep): boolean {
  return step === "jumped_back" || step === "jumped_forward";
}

/** Record time a stream (or user) has covered without a jump: what warm-ups in seconds count. */
export interface Coverage {
  /** Latest record time of the current period. */
  latestAt: number;
  coveredMs: number;
}

/** Jumps for coverage: further than a month either way is another period, nearer is the same one. */
const COVERAGE_LIMITS: ClockLimits = { backMs: FAR_FORWARD_MS, forwardMs: FAR_FORWARD_MS };

/**
 * Adds a record at `at` to the coverage and returns the coverage as of that record (a late record is
 * judged at its own time). A backfill years before, or a clock years ahead, starts a new period instead of
 * counting as years of warm-up, or as negative time that never warms up.
 */
export function cover(c: Coverage, at: number): number {
  if (Number.isNaN(at)) return c.coveredMs;
  if (isJump(stepOf(c.latestAt, at, COVERAGE_LIMITS))) c.latestAt = at;
  else if (at > c.latestAt) {
    c.coveredMs += at - c.latestAt;
    c.latestAt = at;
  }
  return Math.max(0, c.coveredMs - (c.latestAt - at));
}

interface StreamTime {
  /** Latest record time of the stream's current period. */
  latest: number;
  /** Wall time when `latest` last moved, so silence can be mapped from wall time onto record time. */
  wallAt: number;
}

/**
 * Record time per stream: the latest time of each stream's current period. A jump starts a new period
 * whose latest time is the jumping record's, so a backfill from 2005 after live logs from 2025 runs on
 * 2005's clock instead of being judged against 2025's. LRU-capped like every per-key map.
 */
export class StreamClock {
  readonly #streams: LruMap<string, StreamTime>;

  /** `undo`: the owning detector's log, so a rolled-back batch also takes back the times it moved. */
  constructor(
    readonly limits: ClockLimits,
    maxStreams = 10_000,
    undo?: UndoLog,
  ) {
    this.#streams = new LruMap(maxStreams);
    if (undo) this.#streams.recordTo(undo, (s) => ({ ...s }));
  }

  /** Moves the stream's clock to `at` and says how it got there. */
  observe(stream: string, at: number, wallNow = 0): ClockStep {
    const s = this.#streams.get(stream);
    const step = stepOf(s?.latest, at, this.limits);
    if (!s) this.#streams.set(stream, { latest: at, wallAt: wallNow });
    else if (isJump(step) || at > s.latest) {
      s.latest = at;
      s.wallAt = wallNow;
    }
    return step;
  }

  /** Latest record time of the stream's current period (undefined: never seen or forgotten). */
  latest(stream: string): number | undefined {
    return this.#streams.peek(stream)?.latest;
  }

  /** The stream's record time at wall time `now`: its latest time plus the silence since (never less). */
  projected(stream: string, now: number): number | undefined {
    const s = this.#streams.peek(stream);
    return s && s.latest + Math.max(0, now - s.wallAt);
  }

  *streams(): IterableIterator<string> {
    for (const [stream] of this.#streams.entries()) yield stream;
  }

  /** Each stream's latest time and how long (wall time, at `wallNow`) it had been quiet then. */
  exportState(wallNow = 0): JsonValue {
    return [...this.#streams.entries()].map(([stream, s]) => [
      stream,
      s.latest,
      Math.max(0, wallNow - s.wallAt),
    ]);
  }

  /** One stream's entry of `exportState` (undefined: not known), which `restoreStream` puts back. */
  exportStream(stream: string, wallNow = 0): JsonValue | undefined {
    const s = this.#streams.peek(stream);
    return s && [stream, s.latest, Math.max(0, wallNow - s.wallAt)];
  }

  /** Counts `ms` more of quiet for the stream (its quiet was saved that much before the rest). */
  addQuiet(stream: string, ms: number): void {
    const s = this.#streams.peek(stream);
    if (s) s.wallAt -= ms;
  }

  /** One stream's saved entry, without evicting another stream (`LruMap.restore`). */
  restoreStream(entry: JsonValue, wallNow: number): void {
    if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "number") return;
    const quietMs = typeof entry[2] === "number" ? entry[2] : 0;
    this.#streams.restore(entry[0], { latest: entry[1], wallAt: wallNow - quietMs });
  }

  forget(stream: string): void {
    this.#streams.delete(stream);
  }

  /** Keeps only the listed streams, in that recency (oldest first): see `LruMap.retainInOrder`. */
  retainInOrder(streams: Iterable<string>): void {
    this.#streams.retainInOrder(streams);
  }

  /**
   * Restores the latest times. The quiet a stream had before the save still counts at `wallNow`; the
   * time the process was stopped does not (a restart is not silence of the streams).
   */
  importState(state: JsonValue | undefined, wallNow: number): void {
    if (!Array.isArray(state)) return;
    for (const entry of state) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string" || typeof entry[1] !== "number") continue;
      const quietMs = typeof entry[2] === "number" ? entry[2] : 0;
      this.#streams.set(entry[0], { latest: entry[1], wallAt: wallNow - quietMs });
    }
  }
}
