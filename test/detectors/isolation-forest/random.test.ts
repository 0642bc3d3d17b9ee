import { describe, expect, it } from "vitest";
import { quantile } from "../../../src/detectors/isolation-forest/percentile.js";
import { Random } from "../../../src/detectors/isolation-forest/random.js";
import { numpyPercentile } from "./data.js";

describe("Random (xoshiro128**)", () => {
  it("repeats its sequence for a seed and differs across seeds", () => {
    const draw = (seed: number) => {
      const r = new Random(seed);
      return Array.from({ length: 20 }, () => r.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(0).some((x) => x !== 0)).toBe(true);
  });

  it("draws doubles in [0, 1) and integers in [0, n), roughly uniformly", () => {
    const r = new Random(1);
    const counts = new Array<number>(10).fill(0);
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 100_000; i++) {
      const u = r.nextDouble();
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
      const k = r.nextInt(10);
      counts[k] = counts[k]! + 1;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(hi - lo).toBeGreaterThan(0.999);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it("rejects a non-integer seed", () => {
    expect(() => new Random(0.5)).toThrow(/integer/);
  });
});

describe("quantile", () => {
  it("matches numpy's default percentile", () => {
    expect(quantile(Float64Array.from([1, 2, 3, 4]), 0.1)).toBeCloseTo(1.3, 14);
    expect(quantile(Float64Array.from([5, 1, 3]), 0.5)).toBe(3);
    expect(quantile(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 0.25)).toBeCloseTo(3.25, 14);
    expect(quantile(Float64Array.from([7]), 0.1)).toBe(7);
    const r = new Random(3);
    for (const n of [2, 3, 10, 101, 1000]) {
      // Many ties as well as distinct values, to exercise the selection's equal-to-pivot paths.
      const v = Float64Array.from({ length: n }, () => Math.floor(r.nextDouble() * 20) / 4);
      for (const q of [0, 0.013, 0.1, 0.25, 0.5, 0.9, 1]) {
        expect(quantile(v, q)).toBeCloseTo(numpyPercentile(v, 100 * q), 13);
      }
    }
  });
});
