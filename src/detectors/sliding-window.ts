import { type ClockStep, stepOf } from "./stream-clock.js";

/** One event in a window: when, which record, and an optional label (a user name, a sample line). */
export interface WindowEvent {
  at: number;
  id: number;
  label: string;
}

/**
 * Events of one key within the last `windowMs` of record time, oldest first. Bounded by `maxEvents`
 * so a flood cannot grow it: past the cap the oldest events go first, and the count saturates at the
 * cap (which is far above any threshold). A slightly late event is put in its place; one from more than a
 * window before the newest belongs to another period (a backfill after live logs) and starts the window
 * again, so a window never mixes two periods nor spans a negative time.
 */
export class SlidingWindow {
  #events: WindowEvent[] = [];
  /**
   * How many events of the window carry each label, kept once `distinctLabels` was asked (null until
   * then, and again whenever `events` is replaced): password spraying asks for every failed login, and
   * counting the labels of up to `maxEvents` events each time was most of that rule's cost.
   */
  #labelCounts: Map<string, number> | null = null;

  constructor(
    readonly windowMs: number,
    readonly maxEvents = 1_000,
  ) {}

  /** Oldest first. Replace it as a whole (an import); it is not changed in place from outside. */
  get events(): WindowEvent[] {
    return this.#events;
  }

  set events(events: WindowEvent[]) {
    this.#events = events;
    this.#labelCounts = null;
  }

  /** Adds an event; says whether it continued the window or started it again (`jumped_back`). */
  add(event: WindowEvent): ClockStep {
    const step = stepOf(this.#events.at(-1)?.at, event.at, { backMs: this.windowMs, forwardMs: Infinity });
    if (step === "jumped_back") this.events = [];
    const events = this.#events;
    let i = events.length;
    while (i > 0 && events[i - 1]!.at > event.at) i--;
    events.splice(i, 0, event);
    if (this.#labelCounts !== null) countLabel(this.#labelCounts, event.label, 1);
    this.prune(events.at(-1)!.at);
    if (events.length > this.maxEvents) this.#dropOldest(events.length - this.maxEvents);
    return step;
  }

  /** An independent copy (events are never changed in place, only added and dropped). */
  copy(): SlidingWindow {
    const w = new SlidingWindow(this.windowMs, this.maxEvents);
    w.#events = [...this.#events];
    w.#labelCounts = this.#labelCounts && new Map(this.#labelCounts);
    return w;
  }

  /** Drops events at or before `now - windowMs`. */
  prune(now: number): void {
    const events = this.#events;
    let drop = 0;
    while (drop < events.length && events[drop]!.at <= now - this.windowMs) drop++;
    if (drop > 0) this.#dropOldest(drop);
  }

  #dropOldest(n: number): void {
    const counts = this.#labelCounts;
    if (counts !== null) for (let i = 0; i < n; i++) countLabel(counts, this.#events[i]!.label, -1);
    this.#events.splice(0, n);
  }

  get count(): number {
    return this.#events.length;
  }

  /** How many distinct labels the window's events carry: `labels().length`, without building it. */
  distinctLabels(): number {
    if (this.#labelCounts === null) {
      const counts = new Map<string, number>();
      for (const e of this.#events) countLabel(counts, e.label, 1);
      this.#labelCounts = counts;
    }
    return this.#labelCounts.size;
  }

  /** Distinct labels, most frequent first. */
  labels(): { label: string; count: number }[] {
    // Counted afresh, not read from `#labelCounts`: ties keep the order of first appearance among the
    // events now in the window, which a count kept across drops does not know.
    const counts = new Map<string, number>();
    for (const e of this.#events) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
    const out: { label: string; count: number }[] = [];
    for (const [label, count] of counts) out.push({ label, count });
    return out.sort((a, b) => b.count - a.count);
  }

  ids(limit = 20): number[] {
    return this.#events.slice(-limit).map((e) => e.id);
  }

  spanSecs(): number {
    const events = this.#events;
    if (events.length < 2) return 0;
    return (events.at(-1)!.at - events[0]!.at) / 1000;
  }
}

/** Adds `delta` to a label's count, forgetting a label none of the events carries any more. */
function countLabel(counts: Map<string, number>, label: string, delta: number): void {
  const n = (counts.get(label) ?? 0) + delta;
  if (n === 0) counts.delete(label);
  else counts.set(label, n);
}

/**
 * Reports a burst once when it crosses the threshold and again only when it doubles, and forgets it
 * after a quiet window: the store merges the reports into one open anomaly, and `analyze` output stays
 * readable.
 */
export interface BurstMemory {
  /** Count last reported for the current burst (0: none). */
  reported: number;
  /** Record time after which the burst is over. */
  until: number;
}

export function shouldReport(memory: BurstMemory, count: number, at: number, windowMs: number): boolean {
  // The burst is over after a quiet window, or when time jumps back past it (another period's records).
  const step = stepOf(memory.until - windowMs, at, { backMs: windowMs, forwardMs: windowMs });
  if (step !== "continuous") memory.reported = 0;
  memory.until = step === "continuous" ? Math.max(memory.until, at + windowMs) : at + windowMs;
  if (memory.reported > 0 && count < 2 * memory.reported) return false;
  memory.reported = count;
  return true;
}

/** A key's events in the window and what was last reported of them (brute force, password spraying). */
export interface WindowedKey {
  window: SlidingWindow;
  burst: BurstMemory;
}

/** An independent copy, as an undo log keeps it. */
export function copyWindowedKey(k: WindowedKey): WindowedKey {
  return { window: k.window.copy(), burst: { ...k.burst } };
}
