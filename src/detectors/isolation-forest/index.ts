export type { FeatureWeight } from "./explain.js";
export {
  DEFAULT_MAX_SAMPLES,
  DEFAULT_NUM_TREES,
  DEFAULT_SEED,
  IsolationForest,
  type IsolationForestJSON,
  type IsolationForestOptions,
  MAX_SAMPLES_LIMIT,
} from "./forest.js";
export { type ScoringKernel, scoringKernel, setScoringKernel } from "./kernel.js";
export { asMatrix, type Matrix, type MatrixInput, toMatrix } from "./matrix.js";
export { averagePathLength, heightLimit } from "./path-length.js";
export { quantile } from "./percentile.js";
export { Random } from "./random.js";
export { StandardScaler, type StandardScalerJSON } from "./scaler.js";
