import { describe, expect, it } from "vitest";
import { averagePathLength, heightLimit } from "../../../src/detectors/isolation-forest/path-length.js";

describe("averagePathLength c(n)", () => {
  it("is 0 for n ≤ 1 and 1 for n = 2", () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
  });

  it("follows 2(ln(n−1) + γ) − 2(n−1)/n above 2", () => {
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + 0.5772156649) - 4 / 3, 14);
    // scikit-learn's _average_path_length gives these to ~1e-10 (it uses γ to full precision).
    expect(averagePathLength(3)).toBeCloseTo(1.2073923576, 9);
    expect(averagePathLength(10)).toBeCloseTo(3.7488804845, 9);
    expect(averagePathLength(256)).toBeCloseTo(10.2447709201, 9);
  });

  it("grows with n", () => {
    for (let n = 2; n < 300; n++) expect(averagePathLength(n + 1)).toBeGreaterThan(averagePathLength(n));
  });
});

describe("heightLimit", () => {
  it("is ceil(log2(max(ψ, 2)))", () => {
    expect([1, 2, 3, 4, 5, 255, 256, 257, 4096].map(heightLimit)).toEqual([1, 1, 2, 2, 3, 8, 8, 9, 12]);
  });
});
