import { afterEach, describe, expect, it } from "vitest";
import {
  IsolationForest,
  type ScoringKernel,
  scoringKernel,
  setScoringKernel,
} from "../../../src/detectors/isolation-forest/index.js";
import { Random } from "../../../src/detectors/isolation-forest/random.js";
import { gaussianRows } from "./data.js";
import { ReferenceForest } from "./reference.js";

/**
 * A small fixed dataset that exercises every branch of tree growing: ties (a coarse integer column),
 * a constant column (drawn and rejected, so the generator moves on), duplicates rows (leaves of
 * size > 1 below the height limit), and a few far points.
 */
function fixedDataset(): number[][] {
  const rng = new Random(2024);
  const rows = gaussianRows(90, 2, 7).map((r) => [r[0]!, Math.floor(rng.nextDouble() * 4), 3.5, r[1]!]);
  rows.push([9, 1, 3.5, -9], [-7, 0, 3.5, 8], [0.25, 3, 3.5, 0.5], [0.25, 3, 3.5, 0.5], [0.25, 3, 3.5, 0.5]);
  return rows;
}

function probes(n: number): number[][] {
  const rng = new Random(99);
  return Array.from({ length: n }, () => [
    rng.nextDouble() * 20 - 10,
    Math.floor(rng.nextDouble() * 5) - 0.5,
    3.5,
    rng.nextDouble() * 20 - 10,
  ]);
}

const defaultKernel = scoringKernel();
afterEach(() => setScoringKernel(defaultKernel));

describe.each<ScoringKernel>(["wasm", "js"])(
  "agreement with the reference definition (%s kernel)",
  (kernel) => {
    const rows = fixedDataset();
    // 303 probe rows: more than one scoring block and not a multiple of the 8-row interleave.
    const all = [...rows, ...probes(303 - rows.length)];

    for (const [numTrees, maxSamples, seed] of [
      [25, 32, 42],
      [40, 256, 7],
      [10, 5, 1],
      [7, 2, 3],
    ] as const) {
      it(`scores equal the slow forest to 1e-12 (trees ${numTrees}, maxSamples ${maxSamples}, seed ${seed})`, () => {
        setScoringKernel(kernel);
        const fast = IsolationForest.fit(rows, { numTrees, maxSamples, seed });
        const slow = new ReferenceForest(rows, numTrees, maxSamples, seed);
        const scores = fast.anomalyScores(all);
        for (let i = 0; i < all.length; i++) {
          expect(Math.abs(scores[i]! - slow.anomalyScore(all[i]!))).toBeLessThanOrEqual(1e-12);
        }
        expect(fast.anomalyScore(all[0]!)).toBeCloseTo(slow.anomalyScore(all[0]!), 12);
      });
    }
  },
);

describe("scoring kernels", () => {
  it("defaults to WebAssembly in Node", () => {
    expect(defaultKernel).toBe("wasm");
  });

  it("agree bit for bit, also on rows wider than the WebAssembly memory's spare page", () => {
    const wide = gaussianRows(300, 120, 8);
    const model = IsolationForest.fit(wide, { numTrees: 30 });
    setScoringKernel("js");
    const js = model.anomalyScores(wide);
    setScoringKernel("wasm");
    expect(model.anomalyScores(wide)).toEqual(js);
    const ref = new ReferenceForest(wide, 30, 256, 42);
    expect(Math.abs(js[17]! - ref.anomalyScore(wide[17]!))).toBeLessThanOrEqual(1e-12);
  });
});
