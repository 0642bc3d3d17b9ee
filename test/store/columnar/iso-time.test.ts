import { describe, expect, it } from "vitest";
import { isoText } from "../../../src/store/columnar/iso-time.js";

/** Deterministic pseudo-random numbers (xorshift), so a failure names a time that comes back. */
function* randomMs(seed: number, count: number, from: number, to: number): Generator<number> {
  let x = seed;
  for (let k = 0; k < count; k++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const unit = (x >>> 0) / 2 ** 32;
    yield Math.floor(from + unit * (to - from));
  }
}

describe("isoText", () => {
  // Date.UTC maps years 0–99 to 1900–1999: year 0000 is set with setUTCFullYear.
  const year0 = new Date(0);
  year0.setUTCFullYear(0, 0, 1);
  const year10000 = new Date(0);
  year10000.setUTCFullYear(10000, 0, 1);

  it("is toISOString for times spread over years 0000 to 9999, in any order", () => {
    for (const ms of randomMs(0x9e3779b9, 200_000, year0.getTime(), year10000.getTime()))
      expect(isoText(ms)).toBe(new Date(ms).toISOString());
  });

  it("is toISOString for consecutive times across day, month, year and leap-day edges", () => {
    const edges = [
      Date.UTC(2026, 10, 1),
      Date.UTC(2024, 1, 29),
      Date.UTC(2000, 0, 1),
      Date.UTC(1970, 0, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(1900, 2, 1),
    ];
    for (const edge of edges)
      for (let ms = edge - 2_000; ms <= edge + 2_000; ms += 7)
        expect(isoText(ms)).toBe(new Date(ms).toISOString());
  });

  it("is toISOString at the ends of the four-digit years and beyond them", () => {
    for (const ms of [
      year0.getTime(),
      year0.getTime() - 1,
      year10000.getTime() - 1,
      year10000.getTime(),
      8.64e15,
      -8.64e15,
      0,
      -1,
    ])
      expect(isoText(ms)).toBe(new Date(ms).toISOString());
  });

  it("is toISOString for fractional milliseconds, and throws as it does for NaN", () => {
    for (const ms of [1.5, Date.UTC(2026, 0, 1) + 0.25, -0.5])
      expect(isoText(ms)).toBe(new Date(ms).toISOString());
    expect(() => new Date(Number.NaN).toISOString()).toThrow(RangeError);
    expect(() => isoText(Number.NaN)).toThrow(RangeError);
  });
});
