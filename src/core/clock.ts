/** Injected time source, so detectors and tests never read the wall clock directly. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  #now: number;
  constructor(start: number | string = "2026-01-01T00:00:00Z") {
    this.#now = typeof start === "string" ? Date.parse(start) : start;
  }
  now(): number {
    return this.#now;
  }
  set(at: number | string): void {
    this.#now = typeof at === "string" ? Date.parse(at) : at;
  }
  advance(ms: number): void {
    this.#now += ms;
  }
}
