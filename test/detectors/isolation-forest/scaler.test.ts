import { describe, expect, it } from "vitest";
import { StandardScaler, toMatrix } from "../../../src/detectors/isolation-forest/index.js";

const rows = [
  [1, 10, 0.1, -3],
  [2, 20, 0.1, 5],
  [3, 30, 0.1, 1],
  [6, 60, 0.1, 1],
];

describe("StandardScaler", () => {
  it("uses the mean and the population standard deviation", () => {
    const s = StandardScaler.fit(rows);
    expect(Array.from(s.mean)).toEqual([3, 30, expect.closeTo(0.1, 15), 1]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt((4 + 1 + 0 + 9) / 4), 14);
    expect(s.scale[1]).toBeCloseTo(10 * Math.sqrt(14 / 4), 12);
    const t = s.transform(rows);
    // Each scaled column has mean 0 and population variance 1.
    for (const c of [0, 1, 3]) {
      let sum = 0;
      let sq = 0;
      for (let r = 0; r < 4; r++) {
        sum += t.data[r * 4 + c]!;
        sq += t.data[r * 4 + c]! ** 2;
      }
      expect(sum / 4).toBeCloseTo(0, 14);
      expect(sq / 4).toBeCloseTo(1, 14);
    }
  });

  it("divides a constant feature by 1, even when its mean does not round exactly", () => {
    const s = StandardScaler.fit(rows);
    expect(s.scale[2]).toBe(1);
    const t = s.transform(rows);
    for (let r = 0; r < 4; r++) expect(Math.abs(t.data[r * 4 + 2]!)).toBeLessThan(1e-15);
    expect(StandardScaler.fit([[5, 5]]).scale).toEqual(new Float64Array([1, 1]));
  });

  it("transforms single rows like matrices", () => {
    const s = StandardScaler.fit(toMatrix(rows));
    expect(Array.from(s.transformRow([7, 0, 0.1, 2]))).toEqual(
      Array.from(s.transform([[7, 0, 0.1, 2]]).data),
    );
    expect(() => s.transformRow([1, 2])).toThrow(/fitted on 4/);
  });

  it("round-trips through JSON", () => {
    const s = StandardScaler.fit(rows);
    const json = s.toJSON();
    expect(json.version).toBe(1);
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(json)));
    expect(back.transform(rows)).toEqual(s.transform(rows));
    expect(() => StandardScaler.fromJSON({ ...json, scale: [1, 0, 1, 1] })).toThrow(/StandardScaler/);
    expect(() => StandardScaler.fromJSON({ ...json, mean: [1] })).toThrow(/differ in length/);
  });

  it("rejects NaN and empty input", () => {
    expect(() => StandardScaler.fit([[1], [Number.NaN]])).toThrow(/row 1, column 0 is NaN/);
    expect(() => StandardScaler.fit([])).toThrow(/at least one row/);
  });
});
