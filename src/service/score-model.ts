import { z } from "zod";
import type { LogRecord } from "../core/log-record.js";
import { IsolationForest, quantile, StandardScaler } from "../detectors/isolation-forest/index.js";
import { type GroupFeatures, groupFeatures, onlineScore, round } from "./scoring.js";

/**
 * System 004's scoring model (contracts §5.4). Without training, the online score; after
 * `logwarden train`, an Isolation Forest over scale-free features of per-service windows, so a request
 * of 3 logs and a training window of 300 are comparable.
 */
export interface ScoreModel {
  readonly version: string;
  readonly info: ModelInfo;
  score(features: GroupFeatures): number;
}

/** `model_info.json` / `GET /model-info`. */
export interface ModelInfo {
  version: string;
  trained_at: string | null;
  algorithm: string;
  features: string[];
  training_samples: number;
  [extra: string]: unknown;
}

const FEATURES = ["error_ratio", "warn_ratio", "fatal_ratio", "distinct_ratio"] as const;

function vector(f: GroupFeatures): number[] {
  const n = Math.max(1, f.count);
  return [f.error_count / n, f.warn_count / n, f.fatal_count / n, f.distinct_messages / n];
}

export const ONLINE_MODEL: ScoreModel = {
  version: "online-1",
  info: {
    version: "online-1",
    trained_at: null,
    algorithm: "online: max(detector score, 1 - exp(-error pressure))",
    features: [
      "count",
      "error_count",
      "warn_count",
      "fatal_count",
      "error_ratio",
      "span_secs",
      "distinct_messages",
      "detector_score",
    ],
    training_samples: 0,
  },
  score: onlineScore,
};

const artifactSchema = z.object({
  version: z.string(),
  windowSecs: z.number().positive(),
  features: z.array(z.string()),
  scaler: z.unknown(),
  forest: z.unknown(),
  info: z.looseObject({
    version: z.string(),
    trained_at: z.string().nullable(),
    algorithm: z.string(),
    features: z.array(z.string()),
    training_samples: z.number(),
  }),
});
export type ScoreModelArtifact = z.infer<typeof artifactSchema>;

/** Splits records into per-service windows of `windowSecs` (by record time) and describes each. */
export function trainingWindows(records: readonly LogRecord[], windowSecs: number): GroupFeatures[] {
  const windows = new Map<string, LogRecord[]>();
  for (const r of records) {
    const slot = Math.floor(Date.parse(r.timestamp) / 1000 / windowSecs);
    const key = `${String(r.resource["service.name"] ?? "unknown")}\u0000${slot}`;
    const list = windows.get(key);
    if (list) list.push(r);
    else windows.set(key, [r]);
  }
  return [...windows.values()].map((w) => groupFeatures(w));
}

/** Fits the model on training windows (at least 2). Deterministic: the forest's seed is fixed. */
export function trainScoreModel(
  windows: readonly GroupFeatures[],
  options: { windowSecs: number; version: string; trainedAt: string },
): ScoreModelArtifact {
  if (windows.length < 2)
    throw new Error(
      `need at least 2 training windows, got ${windows.length}: use a longer log or a shorter --window`,
    );
  const rows = windows.map(vector);
  const scaler = StandardScaler.fit(rows);
  const scaled = scaler.transform(rows);
  const forest = IsolationForest.fit(scaled);
  const scores = forest.anomalyScores(scaled);
  return {
    version: options.version,
    windowSecs: options.windowSecs,
    features: [...FEATURES],
    scaler: scaler.toJSON(),
    forest: forest.toJSON(),
    info: {
      version: options.version,
      trained_at: options.trainedAt,
      algorithm: "isolation_forest",
      features: [...FEATURES],
      training_samples: windows.length,
      window_secs: options.windowSecs,
      // Training windows' own scores, to help pick THRESHOLD: a score above the max is beyond anything seen.
      training_score_p50: round(quantile(scores, 0.5)),
      training_score_p99: round(quantile(scores, 0.99)),
      training_score_max: round(quantile(scores, 1)),
    },
  };
}

/** Rebuilds a usable model from its stored artifact; throws with a clear message when it is not one. */
export function loadScoreModel(raw: unknown): ScoreModel {
  const artifact = artifactSchema.parse(raw);
  const scaler = StandardScaler.fromJSON(artifact.scaler);
  const forest = IsolationForest.fromJSON(artifact.forest);
  return {
    version: artifact.version,
    info: artifact.info as ModelInfo,
    score: (features) =>
      round(Math.max(forest.anomalyScore(scaler.transformRow(vector(features))), features.detector_score)),
  };
}
