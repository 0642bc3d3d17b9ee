import { z } from "zod";
import type { JsonObject } from "../core/json.js";
import { IsolationForest, quantile, StandardScaler } from "../detectors/isolation-forest/index.js";
import {
  applyPlan,
  describeValue,
  type FeaturePlan,
  type PlannedFeature,
  planFeatures,
  surprises,
} from "./feature-plan.js";

/** Forest parameters fixed by contract §4.7.3. */
export const FOREST_PARAMS = { numTrees: 100, maxSamples: 256, seed: 42 } as const;
const FORMAT = "logwarden-hasura-iforest";

/**
 * How far below the history's typical score a row must fall to be flagged, in units of the spread of the
 * history's upper scores (median − lower quartile). `ANOMALY_THRESHOLD` (the contamination) flags that
 * share of the history by construction, so of a normal request too; this margin keeps a flag for rows
 * the history does not explain. The stricter of the two wins.
 */
export const OFFSET_MARGIN = 6;
/**
 * A row is also flagged when one feature lies this many robust deviations from the history's median (or
 * holds a category value never seen): a forest isolates a value beyond the history's range no better
 * than the history's own extremes, so a latency a hundred times the usual could pass it.
 */
export const SURPRISE_LIMIT = 6;

/** A query hash's model: `{model, scaler, timestamp, num_records, num_features}` of contract §4.7.3. */
export interface HasuraModel {
  /** Null when the history has nothing to judge on (only identifiers and timestamps). */
  forest: IsolationForest | null;
  scaler: StandardScaler | null;
  timestamp: string;
  numRecords: number;
  numFeatures: number;
  /** The history-learned inputs; null for a model saved before plans (judged on the contract's vector). */
  plan: FeaturePlan | null;
  /** A row scoring below this is flagged. */
  offset: number;
}

/** One feature that made a flagged row stand out. */
export interface FeatureReason {
  name: string;
  role: PlannedFeature["role"];
  value: unknown;
  typical: string;
  /** Robust deviations from the history's median (magnitudes), or the surprise of an unseen category. */
  deviations: number;
  /** Share of the row's isolation credited to this feature by the forest (0–1). */
  weight: number;
}

export interface RecordScore {
  isAnomaly: boolean;
  score: number;
  /** For a flagged row of a planned model: the features that isolated it, strongest first. */
  reasons?: FeatureReason[];
}

/** The flag threshold: the contamination quantile of the history's scores, or the margin below its median. */
function offsetOf(scores: Float64Array, contamination: number): number {
  const median = quantile(scores, 0.5);
  const spread = Math.max(median - quantile(scores, 0.25), 1e-6);
  return Math.min(quantile(scores, contamination), median - OFFSET_MARGIN * spread);
}

/** Trains on a query's history (unwrapped records). Throws when nothing can be trained on. */
export function trainModel(records: readonly JsonObject[], contamination: number, now: string): HasuraModel {
  if (records.length === 0) throw new Error("No numerical features extracted from history");
  const plan = planFeatures(records);
  const base = { timestamp: now, numRecords: records.length, numFeatures: plan.features.length, plan };
  if (plan.features.length === 0) return { ...base, forest: null, scaler: null, offset: -1 };
  const rows = records.map((r) => applyPlan(plan, r));
  const scaler = StandardScaler.fit(rows);
  const scaled = scaler.transform(rows);
  const forest = IsolationForest.fit(scaled, { ...FOREST_PARAMS, contamination });
  return { ...base, forest, scaler, offset: offsetOf(forest.scoreSamples(scaled), contamination) };
}

/** Feature reasons worth naming: at least this share of the isolation, at most three. */
const MIN_REASON_WEIGHT = 0.15;

/**
 * Scores a record. A planned model reads the record through its plan; a version-1 model reads the
 * contract's vector, padded with 0.0 or truncated to `num_features` (§4.7.4).
 */
export function scoreRecord(
  model: HasuraModel,
  record: JsonObject,
  features: readonly number[],
): RecordScore {
  if (!model.forest || !model.scaler) return { score: 0, isAnomaly: false };
  let row: number[];
  if (model.plan) row = applyPlan(model.plan, record);
  else {
    row = new Array<number>(model.numFeatures).fill(0);
    for (let i = 0; i < Math.min(features.length, model.numFeatures); i++) row[i] = features[i]!;
  }
  const scaled = model.scaler.transformRow(row);
  const score = model.forest.scoreSample(scaled);
  if (!model.plan) return { score, isAnomaly: score < model.offset };
  const plan = model.plan;
  const surprise = surprises(plan, record);
  const isAnomaly = score < model.offset || surprise.some((z) => z >= SURPRISE_LIMIT);
  if (!isAnomaly) return { score, isAnomaly };
  const weights = new Map(model.forest.explain(scaled).map((w) => [w.feature, w.weight]));
  // Features beyond the limit first (most deviant first), then what the forest credits most.
  const order = plan.features
    .map((_, i) => i)
    .filter((i) => surprise[i]! >= SURPRISE_LIMIT || (weights.get(i) ?? 0) >= MIN_REASON_WEIGHT)
    .sort((a, b) => surprise[b]! - surprise[a]! || (weights.get(b) ?? 0) - (weights.get(a) ?? 0));
  const reasons = order.slice(0, 3).map((i) => {
    const feature = plan.features[i]!;
    return {
      name: feature.key,
      role: feature.role,
      ...describeValue(feature, record),
      deviations: Math.round(surprise[i]! * 10) / 10,
      weight: Math.round((weights.get(i) ?? 0) * 1000) / 1000,
    };
  });
  return { score, isAnomaly, reasons };
}

const plannedKey = z.object({
  key: z.string(),
  role: z.enum(["magnitude", "category", "timestamp", "identifier"]),
});
const planJson = z.object({
  features: z.array(
    plannedKey.extend({
      role: z.enum(["magnitude", "category"]),
      median: z.number().optional(),
      scale: z.number().optional(),
      counts: z.record(z.string(), z.number()).optional(),
      total: z.number().optional(),
    }),
  ),
  dropped: z.array(plannedKey),
});

const modelJson = z.discriminatedUnion("version", [
  z.object({
    format: z.literal(FORMAT),
    version: z.literal(1),
    timestamp: z.string(),
    num_records: z.number().int(),
    num_features: z.number().int().min(1),
    scaler: z.unknown(),
    forest: z.unknown(),
  }),
  z.object({
    format: z.literal(FORMAT),
    version: z.literal(2),
    timestamp: z.string(),
    num_records: z.number().int(),
    num_features: z.number().int().min(0),
    plan: planJson,
    offset: z.number(),
    scaler: z.unknown().nullable(),
    forest: z.unknown().nullable(),
  }),
]);

/** `trained_models.model_data`: our own JSON as UTF-8 bytes, with a format and a version (contract §4.9.1). */
export function encodeModel(model: HasuraModel): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: FORMAT,
      version: 2,
      timestamp: model.timestamp,
      num_records: model.numRecords,
      num_features: model.numFeatures,
      plan: model.plan,
      offset: model.offset,
      scaler: model.scaler?.toJSON() ?? null,
      forest: model.forest?.toJSON() ?? null,
    }),
    "utf8",
  );
}

/**
 * Decodes `model_data`; anything else (an old Python pickle, a damaged row) is null, meaning "no model".
 * A version-1 model (no plan) keeps judging on the contract's vector with its forest's own offset.
 */
export function decodeModel(bytes: Uint8Array): HasuraModel | null {
  try {
    const parsed = modelJson.safeParse(JSON.parse(Buffer.from(bytes).toString("utf8")));
    if (!parsed.success) return null;
    const j = parsed.data;
    const base = { timestamp: j.timestamp, numRecords: j.num_records, numFeatures: j.num_features };
    if (j.version === 2 && j.forest === null)
      return { ...base, forest: null, scaler: null, plan: j.plan, offset: j.offset };
    const forest = IsolationForest.fromJSON(j.forest);
    const scaler = StandardScaler.fromJSON(j.scaler);
    if (forest.numFeatures !== j.num_features || scaler.numFeatures !== j.num_features) return null;
    if (j.version === 2) return { ...base, forest, scaler, plan: j.plan, offset: j.offset };
    if (forest.offset === null) return null;
    return { ...base, forest, scaler, plan: null, offset: forest.offset };
  } catch {
    return null;
  }
}
