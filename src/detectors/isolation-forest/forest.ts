import { z } from "zod";
import { decodeFloat64, decodeInt32, encodeFloat64, encodeInt32 } from "./codec.js";
import { explainRow, type FeatureWeight } from "./explain.js";
import { Scorer } from "./kernel.js";
import { asMatrix, assertNumbers, type Matrix, type MatrixInput } from "./matrix.js";
import { averagePathLength, heightLimit } from "./path-length.js";
import { quantile } from "./percentile.js";
import { Random } from "./random.js";
import { toHeap } from "./score.js";
import { buildTrees, finishTrees, type Trees } from "./trees.js";

export const DEFAULT_NUM_TREES = 100;
export const DEFAULT_MAX_SAMPLES = 256;
export const DEFAULT_SEED = 42;
/**
 * Scoring lays every tree out as a complete tree of depth ≤ ceil(log2 ψ) (see `score.ts`), so its
 * memory grows like ψ per tree; 4096 (≈ 80 KB per tree) is far beyond the paper's 256, which it
 * showed is already enough.
 */
export const MAX_SAMPLES_LIMIT = 4096;

export interface IsolationForestOptions {
  /** Number of trees (default 100). */
  readonly numTrees?: number;
  /** ψ = min(maxSamples, n) rows drawn without replacement per tree (default 256, at most 4096). */
  readonly maxSamples?: number;
  /** Seed of the generator; same seed and data give the same model (default 42). */
  readonly seed?: number;
  /**
   * Expected share of anomalies in the training data, in (0, 0.5]: sets `offset` to that quantile of
   * the training rows' `scoreSamples`. "auto" (default) sets no threshold.
   */
  readonly contamination?: "auto" | number;
}

const treesJson = z.object({
  treeStart: z.string(),
  feature: z.string(),
  threshold: z.string(),
  left: z.string(),
  right: z.string(),
  size: z.string(),
});

const forestJson = z.object({
  version: z.literal(1),
  kind: z.literal("isolation-forest"),
  numFeatures: z.number().int().min(1),
  numTrees: z.number().int().min(1),
  sampleSize: z.number().int().min(1).max(MAX_SAMPLES_LIMIT),
  seed: z.number().int(),
  contamination: z.union([z.literal("auto"), z.number().gt(0).max(0.5)]),
  offset: z.number().nullable(),
  /** Typed arrays as base64 of their little-endian bytes (`codec.ts`). */
  trees: treesJson,
});

/** The serialised form: plain JSON, versioned so a later layout can still read this one. */
export type IsolationForestJSON = z.infer<typeof forestJson>;

interface Params {
  readonly numFeatures: number;
  readonly numTrees: number;
  readonly sampleSize: number;
  readonly seed: number;
  readonly contamination: "auto" | number;
}

/**
 * Isolation Forest (Liu, Ting & Zhou 2008) on typed arrays; contract §4.7.3. Build with
 * `IsolationForest.fit` or `IsolationForest.fromJSON`; a fitted model is immutable.
 */
export class IsolationForest {
  readonly numFeatures: number;
  readonly numTrees: number;
  /** ψ, the rows each tree was grown from. */
  readonly sampleSize: number;
  readonly seed: number;
  readonly contamination: "auto" | number;
  /** `isAnomaly(x)` ⇔ `scoreSample(x) < offset`; null when fitted with contamination "auto". */
  readonly offset: number | null;
  readonly #trees: Trees;
  readonly #scorer: Scorer;

  private constructor(params: Params, trees: Trees, offset: number | null) {
    this.numFeatures = params.numFeatures;
    this.numTrees = params.numTrees;
    this.sampleSize = params.sampleSize;
    this.seed = params.seed;
    this.contamination = params.contamination;
    this.#trees = trees;
    this.#scorer = new Scorer(toHeap(trees));
    this.offset = offset;
  }

  /** Grows the forest on `x` (rows × features, all finite) and, given a contamination, its threshold. */
  static fit(x: MatrixInput, options: IsolationForestOptions = {}): IsolationForest {
    const m = asMatrix(x);
    const numTrees = options.numTrees ?? DEFAULT_NUM_TREES;
    const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
    const seed = options.seed ?? DEFAULT_SEED;
    const contamination = options.contamination ?? "auto";
    if (!Number.isInteger(numTrees) || numTrees < 1) {
      throw new RangeError(`numTrees must be an integer ≥ 1, got ${numTrees}`);
    }
    if (!Number.isInteger(maxSamples) || maxSamples < 1 || maxSamples > MAX_SAMPLES_LIMIT) {
      throw new RangeError(`maxSamples must be an integer in [1, ${MAX_SAMPLES_LIMIT}], got ${maxSamples}`);
    }
    if (contamination !== "auto" && !(contamination > 0 && contamination <= 0.5)) {
      throw new RangeError(`contamination must be "auto" or in (0, 0.5], got ${contamination}`);
    }
    if (m.nRows < 1 || m.nCols < 1) throw new RangeError(`cannot fit on a ${m.nRows} × ${m.nCols} matrix`);
    assertNumbers(m, "IsolationForest.fit", true);

    const sampleSize = Math.min(maxSamples, m.nRows);
    const limit = heightLimit(sampleSize);
    const arrays = buildTrees(m, { numTrees, sampleSize, heightLimit: limit }, new Random(seed));
    const params: Params = { numFeatures: m.nCols, numTrees, sampleSize, seed, contamination };
    const trees = finishTrees(arrays, m.nCols, limit);
    if (contamination === "auto") return new IsolationForest(params, trees, null);
    const unthresholded = new IsolationForest(params, trees, null);
    const offset = quantile(unthresholded.scoreSamples(m), contamination);
    return new IsolationForest(params, trees, offset);
  }

  /** s(x) = 2^(−E[h(x)] / c(ψ)) per row, in (0, 1]; higher is more anomalous, ≈ 0.5 is unremarkable. */
  anomalyScores(x: MatrixInput): Float64Array {
    const m = this.#checked(asMatrix(x));
    const sums = this.#scorer.pathLengthSums(m);
    const c = averagePathLength(this.sampleSize);
    for (let i = 0; i < sums.length; i++) sums[i] = toScore(sums[i]! / this.numTrees, c);
    return sums;
  }

  /** The contract's (and scikit-learn's) form: −s(x) per row, in [−1, 0); lower is more anomalous. */
  scoreSamples(x: MatrixInput): Float64Array {
    const s = this.anomalyScores(x);
    for (let i = 0; i < s.length; i++) s[i] = -s[i]!;
    return s;
  }

  anomalyScore(row: ArrayLike<number>): number {
    return this.anomalyScores(this.#rowMatrix(row))[0]!;
  }

  scoreSample(row: ArrayLike<number>): number {
    return -this.anomalyScore(row);
  }

  /** 1 where `scoreSamples < offset`, else 0. Needs a model fitted with a numeric contamination. */
  predict(x: MatrixInput): Uint8Array {
    const offset = this.#offset();
    const s = this.scoreSamples(x);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s[i]! < offset ? 1 : 0;
    return out;
  }

  isAnomaly(row: ArrayLike<number>): boolean {
    const offset = this.#offset();
    return this.scoreSample(row) < offset;
  }

  /** Per-feature share of the row's isolation, largest first (method in `explain.ts`). */
  explain(row: ArrayLike<number>): FeatureWeight[] {
    const m = this.#rowMatrix(row);
    return explainRow(this.#trees, m.data, this.numFeatures);
  }

  toJSON(): IsolationForestJSON {
    const t = this.#trees;
    return {
      version: 1,
      kind: "isolation-forest",
      numFeatures: this.numFeatures,
      numTrees: this.numTrees,
      sampleSize: this.sampleSize,
      seed: this.seed,
      contamination: this.contamination,
      offset: this.offset,
      trees: {
        treeStart: encodeInt32(t.treeStart),
        feature: encodeInt32(t.feature),
        threshold: encodeFloat64(t.threshold),
        left: encodeInt32(t.left),
        right: encodeInt32(t.right),
        size: encodeFloat64(t.size),
      },
    };
  }

  /** Rebuilds a model from `toJSON()` output (after a JSON round trip); it scores identically. */
  static fromJSON(json: unknown): IsolationForest {
    const parsed = forestJson.safeParse(json);
    if (!parsed.success) throw new TypeError(`not a serialised IsolationForest: ${parsed.error.message}`);
    const j = parsed.data;
    const arrays = {
      treeStart: decodeInt32(j.trees.treeStart, "trees.treeStart"),
      feature: decodeInt32(j.trees.feature, "trees.feature"),
      threshold: decodeFloat64(j.trees.threshold, "trees.threshold"),
      left: decodeInt32(j.trees.left, "trees.left"),
      right: decodeInt32(j.trees.right, "trees.right"),
      size: decodeFloat64(j.trees.size, "trees.size"),
    };
    if (arrays.treeStart.length !== j.numTrees + 1) throw new RangeError("treeStart does not match numTrees");
    const trees = finishTrees(arrays, j.numFeatures, heightLimit(j.sampleSize));
    const params: Params = {
      numFeatures: j.numFeatures,
      numTrees: j.numTrees,
      sampleSize: j.sampleSize,
      seed: j.seed,
      contamination: j.contamination,
    };
    return new IsolationForest(params, trees, j.offset);
  }

  #checked(m: Matrix): Matrix {
    if (m.nRows > 0 && m.nCols !== this.numFeatures) {
      throw new RangeError(`rows have ${m.nCols} features, the model was fitted on ${this.numFeatures}`);
    }
    assertNumbers(m, "IsolationForest score", false);
    return m;
  }

  #rowMatrix(row: ArrayLike<number>): Matrix {
    if (row.length !== this.numFeatures) {
      throw new RangeError(`row has ${row.length} features, the model was fitted on ${this.numFeatures}`);
    }
    const m = { data: Float64Array.from(row), nRows: 1, nCols: this.numFeatures };
    assertNumbers(m, "IsolationForest score", false);
    return m;
  }

  #offset(): number {
    if (this.offset === null) throw new Error('no threshold: the model was fitted with contamination "auto"');
    return this.offset;
  }
}

/**
 * 2^(−E/c). With ψ = 1, c(1) = 0 and every row had path 0: nothing can be told apart, so the score is
 * 0.5, the paper's value for "no distinct anomaly" (rather than 2^(−0/0) = NaN).
 */
function toScore(meanPath: number, c: number): number {
  return c > 0 ? 2 ** (-meanPath / c) : 0.5;
}
