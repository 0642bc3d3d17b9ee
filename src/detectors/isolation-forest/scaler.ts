import { z } from "zod";
import { asMatrix, assertNumbers, type Matrix, type MatrixInput } from "./matrix.js";

const scalerJson = z.object({
  version: z.literal(1),
  kind: z.literal("standard-scaler"),
  mean: z.array(z.number()),
  scale: z.array(z.number().positive()),
});

export type StandardScalerJSON = z.infer<typeof scalerJson>;

/**
 * Standardisation as contract §4.7.3 (and scikit-learn's StandardScaler) defines it:
 * (x − mean) / population std, with a constant feature divided by 1 instead of 0.
 */
export class StandardScaler {
  readonly mean: Float64Array;
  /** What each feature is divided by: its population std, or 1 when the feature is constant. */
  readonly scale: Float64Array;

  private constructor(mean: Float64Array, scale: Float64Array) {
    this.mean = mean;
    this.scale = scale;
  }

  get numFeatures(): number {
    return this.mean.length;
  }

  static fit(x: MatrixInput): StandardScaler {
    const m = asMatrix(x);
    if (m.nRows < 1) throw new RangeError("StandardScaler.fit needs at least one row");
    assertNumbers(m, "StandardScaler.fit", true);
    const { data, nRows, nCols } = m;
    const mean = new Float64Array(nCols);
    const scale = new Float64Array(nCols);
    for (let c = 0; c < nCols; c++) {
      let sum = 0;
      let lo = Infinity;
      let hi = -Infinity;
      for (let r = 0; r < nRows; r++) {
        const v = data[r * nCols + c]!;
        sum += v;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const mu = sum / nRows;
      // Two passes: summing squared deviations from the mean avoids the cancellation of E[x²] − E[x]².
      let ss = 0;
      for (let r = 0; r < nRows; r++) {
        const d = data[r * nCols + c]! - mu;
        ss += d * d;
      }
      mean[c] = mu;
      // Test constancy on the values, not on the std: a constant 0.1 column has a mean that rounds
      // away from 0.1 and so a tiny non-zero std, which would blow its values up instead of zeroing them.
      const std = Math.sqrt(ss / nRows);
      scale[c] = lo === hi || std === 0 ? 1 : std;
    }
    return new StandardScaler(mean, scale);
  }

  /** A scaled copy of `x`. */
  transform(x: MatrixInput): Matrix {
    const m = asMatrix(x);
    if (m.nRows > 0 && m.nCols !== this.numFeatures) {
      throw new RangeError(`rows have ${m.nCols} features, the scaler was fitted on ${this.numFeatures}`);
    }
    const { nRows, nCols } = m;
    const data = new Float64Array(m.data.length);
    for (let r = 0; r < nRows; r++) {
      for (let c = 0; c < nCols; c++) {
        const i = r * nCols + c;
        data[i] = (m.data[i]! - this.mean[c]!) / this.scale[c]!;
      }
    }
    return { data, nRows, nCols };
  }

  transformRow(row: ArrayLike<number>): Float64Array {
    if (row.length !== this.numFeatures) {
      throw new RangeError(`row has ${row.length} features, the scaler was fitted on ${this.numFeatures}`);
    }
    const out = new Float64Array(row.length);
    for (let c = 0; c < row.length; c++) out[c] = (row[c]! - this.mean[c]!) / this.scale[c]!;
    return out;
  }

  toJSON(): StandardScalerJSON {
    return {
      version: 1,
      kind: "standard-scaler",
      mean: Array.from(this.mean),
      scale: Array.from(this.scale),
    };
  }

  static fromJSON(json: unknown): StandardScaler {
    const parsed = scalerJson.safeParse(json);
    if (!parsed.success) throw new TypeError(`not a serialised StandardScaler: ${parsed.error.message}`);
    const { mean, scale } = parsed.data;
    if (mean.length !== scale.length) throw new RangeError("scaler mean and scale differ in length");
    return new StandardScaler(Float64Array.from(mean), Float64Array.from(scale));
  }
}
