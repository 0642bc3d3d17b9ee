import type { Rate } from "../config/rate.js";
import type { Clock } from "../core/clock.js";

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the window resets (for `Retry-After`), at least 1. */
  retryAfterSecs: number;
  remaining: number;
}

interface Window {
  startedAt: number;
  count: number;
}

/**
 * Fixed-window request counter per key (a token, a client IP), in memory. Synchronous and O(1) per
 * request, so it can sit in front of every route; Logwarden is one process (contracts §6.3 C9), so
 * the counts need no shared store. Keys are swept once per window, which bounds memory to the keys
 * seen within about two windows.
 */
export class RateLimiter {
  readonly #windows = new Map<string, Window>();
  #lastSweep: number;

  constructor(
    readonly rate: Rate,
    readonly clock: Clock,
  ) {
    this.#lastSweep = clock.now();
  }

  hit(key: string): RateDecision {
    const now = this.clock.now();
    const { max, windowMs } = this.rate;
    if (now - this.#lastSweep >= windowMs) this.#sweep(now);
    let w = this.#windows.get(key);
    if (!w || now - w.startedAt >= windowMs) {
      w = { startedAt: now, count: 0 };
      this.#windows.set(key, w);
    }
    w.count++;
    const retryAfterSecs = Math.max(1, Math.ceil((w.startedAt + windowMs - now) / 1000));
    return { allowed: w.count <= max, retryAfterSecs, remaining: Math.max(0, max - w.count) };
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, w] of this.#windows)
      if (now - w.startedAt >= this.rate.windowMs) this.#windows.delete(key);
  }
}
