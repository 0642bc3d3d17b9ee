import { describe, expect, it } from "vitest";
import { IsolationForest, type Matrix, toMatrix } from "../../../src/detectors/isolation-forest/index.js";
import { gaussianRows, numpyPercentile } from "./data.js";

const blob = gaussianRows(500, 2, 11);

describe("IsolationForest", () => {
  it("is deterministic for a seed: same model, same scores", () => {
    const a = IsolationForest.fit(blob, { seed: 5 });
    const b = IsolationForest.fit(blob, { seed: 5 });
    expect(b.toJSON()).toEqual(a.toJSON());
    expect(b.anomalyScores(blob)).toEqual(a.anomalyScores(blob));
    const c = IsolationForest.fit(blob, { seed: 6 });
    expect(c.anomalyScores(blob)).not.toEqual(a.anomalyScores(blob));
  });

  it("defaults to 100 trees, ψ = min(256, n) and seed 42", () => {
    const model = IsolationForest.fit(blob);
    expect([model.numTrees, model.sampleSize, model.seed, model.numFeatures]).toEqual([100, 256, 42, 2]);
    expect(IsolationForest.fit(blob.slice(0, 40)).sampleSize).toBe(40);
    expect(model.anomalyScores(blob)).toEqual(IsolationForest.fit(blob, { seed: 42 }).anomalyScores(blob));
  });

  it("scores a far point above every inlier of a gaussian blob", () => {
    const model = IsolationForest.fit([...blob, [8, 8]]);
    const inliers = model.anomalyScores(blob);
    const outlier = model.anomalyScore([8, 8]);
    expect(outlier).toBeGreaterThan(Math.max(...inliers));
    expect(outlier).toBeGreaterThan(0.65);
    expect(model.scoreSample([8, 8])).toBe(-outlier);
    const median = [...inliers].sort((x, y) => x - y)[inliers.length >> 1]!;
    expect(median).toBeLessThan(0.5);
  });

  it("accepts a row-major Float64Array matrix and plain rows alike", () => {
    const model = IsolationForest.fit(blob);
    const m: Matrix = toMatrix(blob);
    expect(model.scoreSamples(m)).toEqual(model.scoreSamples(blob));
    expect(IsolationForest.fit(m).toJSON()).toEqual(model.toJSON());
  });

  it("keeps scores in (0, 1] and scoreSamples = −score in [−1, 0)", () => {
    const model = IsolationForest.fit(blob);
    const s = model.anomalyScores(blob);
    const ss = model.scoreSamples(blob);
    for (let i = 0; i < s.length; i++) {
      expect(s[i]).toBeGreaterThan(0);
      expect(s[i]).toBeLessThanOrEqual(1);
      expect(ss[i]).toBe(-s[i]!);
    }
  });
});

describe("contamination threshold", () => {
  it("sets offset to the contamination percentile (linear interpolation) of training scoreSamples", () => {
    const rows = [...blob, [8, 8], [-7, 6]];
    for (const contamination of [0.1, 0.013, 0.5]) {
      const model = IsolationForest.fit(rows, { contamination });
      const training = model.scoreSamples(rows);
      expect(model.offset).toBeCloseTo(numpyPercentile(training, 100 * contamination), 14);
      const flags = model.predict(rows);
      let flagged = 0;
      for (let i = 0; i < rows.length; i++) {
        expect(flags[i] === 1).toBe(training[i]! < model.offset!);
        expect(model.isAnomaly(rows[i]!)).toBe(flags[i] === 1);
        flagged += flags[i]!;
      }
      expect(flagged).toBeLessThanOrEqual(Math.ceil(contamination * rows.length));
    }
  });

  it("flags the injected outlier at the default-like 0.1", () => {
    const model = IsolationForest.fit([...blob, [8, 8]], { contamination: 0.1 });
    expect(model.isAnomaly([8, 8])).toBe(true);
    expect(model.isAnomaly([0, 0])).toBe(false);
  });

  it('has no threshold with "auto" and refuses to classify', () => {
    const model = IsolationForest.fit(blob);
    expect(model.offset).toBeNull();
    expect(() => model.isAnomaly([0, 0])).toThrow(/contamination "auto"/);
    expect(() => model.predict(blob)).toThrow(/contamination "auto"/);
  });

  it("rejects a contamination outside (0, 0.5]", () => {
    for (const contamination of [0, -0.1, 0.51, Number.NaN]) {
      expect(() => IsolationForest.fit(blob, { contamination })).toThrow(/contamination/);
    }
  });
});

describe("serialisation", () => {
  it("round-trips through JSON text to identical scores, offset and explanations", () => {
    const model = IsolationForest.fit([...blob, [8, 8]], { contamination: 0.1, numTrees: 37, seed: 3 });
    const json = model.toJSON();
    expect(json.version).toBe(1);
    const text = JSON.stringify(json);
    const back = IsolationForest.fromJSON(JSON.parse(text));
    expect(back.anomalyScores(blob)).toEqual(model.anomalyScores(blob));
    expect(back.offset).toBe(model.offset);
    expect(back.explain([8, 8])).toEqual(model.explain([8, 8]));
    expect(JSON.stringify(back.toJSON())).toBe(text);
  });

  it("rejects other versions and corrupt trees with a clear error", () => {
    const json = IsolationForest.fit(blob, { numTrees: 3 }).toJSON();
    expect(() => IsolationForest.fromJSON({ ...json, version: 2 })).toThrow(
      /not a serialised IsolationForest/,
    );
    expect(() => IsolationForest.fromJSON(null)).toThrow(/not a serialised IsolationForest/);
    // A left child pointing back at the root would make a walk loop forever.
    const left = Buffer.from(json.trees.left, "base64");
    left.writeInt32LE(0, 0);
    expect(() =>
      IsolationForest.fromJSON({ ...json, trees: { ...json.trees, left: left.toString("base64") } }),
    ).toThrow(/invalid children/);
    expect(() => IsolationForest.fromJSON({ ...json, numFeatures: 1 })).toThrow(/feature/);
  });
});

describe("explain", () => {
  it("puts the largest weight on the one feature in which the row is extreme", () => {
    const rows = gaussianRows(400, 4, 21);
    const model = IsolationForest.fit(rows);
    const outlier = [0.1, -0.2, 9, 0.3];
    const weights = model.explain(outlier);
    expect(weights[0]!.feature).toBe(2);
    expect(weights[0]!.weight).toBeGreaterThan(0.5);
    expect(weights.map((w) => w.feature).sort()).toEqual([0, 1, 2, 3]);
    expect(weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 12);
    for (let i = 1; i < weights.length; i++)
      expect(weights[i]!.weight).toBeLessThanOrEqual(weights[i - 1]!.weight);
  });

  it("credits the extreme feature whichever it is", () => {
    const rows = gaussianRows(400, 3, 22);
    const model = IsolationForest.fit(rows);
    expect(model.explain([-10, 0, 0])[0]!.feature).toBe(0);
    expect(model.explain([0, 0, 12])[0]!.feature).toBe(2);
  });
});

describe("edge cases", () => {
  it("fits a single row: one leaf per tree, every score 0.5, all weights 0", () => {
    const model = IsolationForest.fit([[1, 2, 3]], { contamination: 0.1 });
    expect(model.sampleSize).toBe(1);
    expect(
      Array.from(
        model.anomalyScores([
          [1, 2, 3],
          [100, -5, 0],
        ]),
      ),
    ).toEqual([0.5, 0.5]);
    expect(model.offset).toBe(-0.5);
    expect(model.isAnomaly([100, -5, 0])).toBe(false);
    expect(model.explain([1, 2, 3]).every((w) => w.weight === 0)).toBe(true);
  });

  it("never splits on constant columns, and an all-constant dataset gives leaves only", () => {
    const rows = gaussianRows(200, 2, 5).map((r) => [7, r[0]!, 7, r[1]!]);
    const model = IsolationForest.fit(rows);
    const weights = model.explain([7, 6, 7, 0]);
    expect(weights.find((w) => w.feature === 0)!.weight).toBe(0);
    expect(weights.find((w) => w.feature === 2)!.weight).toBe(0);
    expect(weights[0]!.feature).toBe(1);

    const flat = IsolationForest.fit(Array.from({ length: 50 }, () => [1, 1]));
    const s = flat.anomalyScores([
      [1, 1],
      [5, -5],
    ]);
    expect(s[0]).toBe(s[1]);
    expect(s[0]).toBeCloseTo(0.5, 12); // every row sits in a 50-sample leaf at depth 0: E[h] = c(50) = c(ψ)
  });

  it("rejects NaN (and, when fitting, infinities) naming the row and column", () => {
    expect(() =>
      IsolationForest.fit([
        [1, 2],
        [Number.NaN, 3],
      ]),
    ).toThrow(/row 1, column 0 is NaN/);
    expect(() =>
      IsolationForest.fit([
        [1, 2],
        [3, Number.POSITIVE_INFINITY],
      ]),
    ).toThrow(/row 1, column 1 is Infinity/);
    const model = IsolationForest.fit(blob);
    expect(() => model.anomalyScore([0, Number.NaN])).toThrow(/column 1 is NaN/);
    expect(() =>
      model.scoreSamples([
        [0, 0],
        [Number.NaN, 0],
      ]),
    ).toThrow(/row 1, column 0 is NaN/);
  });

  it("rejects wrong shapes and options", () => {
    const model = IsolationForest.fit(blob);
    expect(() => model.anomalyScore([1, 2, 3])).toThrow(/fitted on 2/);
    expect(() => model.scoreSamples({ data: new Float64Array(6), nRows: 2, nCols: 3 })).toThrow(
      /fitted on 2/,
    );
    expect(() => model.scoreSamples({ data: new Float64Array(5), nRows: 2, nCols: 3 })).toThrow(
      /expected 2 × 3/,
    );
    expect(() => IsolationForest.fit([])).toThrow(/cannot fit/);
    expect(() => IsolationForest.fit([[1, 2], [3]])).toThrow(/row 1 has 1 values/);
    expect(() => IsolationForest.fit(blob, { numTrees: 0 })).toThrow(/numTrees/);
    expect(() => IsolationForest.fit(blob, { maxSamples: 5000 })).toThrow(/maxSamples/);
    expect(() => IsolationForest.fit(blob, { seed: 1.5 })).toThrow(/seed/);
    expect(model.scoreSamples({ data: new Float64Array(0), nRows: 0, nCols: 2 })).toHaveLength(0);
  });
});
