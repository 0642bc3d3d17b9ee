import { z } from "zod";
import { IsolationForest, StandardScaler } from "../detectors/isolation-forest/index.js";

/** Forest parameters fixed by contract §4.7.3. */
export const FOREST_PARAMS = { numTrees: 100, maxSamples: 256, seed: 42 } as const;
const FORMAT = "logwarden-hasura-iforest";

/** A query hash's model: `{model, scaler, timestamp, num_records, num_features}` of contract §4.7.3. */
export interface HasuraModel {
  forest: IsolationForest;
  scaler: StandardScaler;
  timestamp: string;
  numRecords: number;
  numFeatures: number;
}

export interface RecordScore {
  isAnomaly: boolean;
  score: number;
}

/**
 * Trains on feature vectors; vectors of a length other than the most common one are left out (that
 * length is the model's `num_features`). Throws when nothing can be trained on.
 */
export function trainModel(vectors: readonly number[][], contamination: number, now: string): HasuraModel {
  const counts = new Map<number, number>();
  for (const v of vectors) if (v.length > 0) counts.set(v.length, (counts.get(v.length) ?? 0) + 1);
  let numFeatures = 0;
  let best = 0;
  // Ties go to the length seen first, as Python's Counter.most_common orders them.
  for (const [length, n] of counts) {
    if (n > best) {
      best = n;
      numFeatures = length;
    }
  }
  if (numFeatures === 0) throw new Error("No numerical features extracted from history");
  const rows = vectors.filter((v) => v.length === numFeatures);
  const scaler = StandardScaler.fit(rows);
  const forest = IsolationForest.fit(scaler.transform(rows), { ...FOREST_PARAMS, contamination });
  return { forest, scaler, timestamp: now, numRecords: rows.length, numFeatures };
}

/** Contract §4.7.4: pad with 0.0 or truncate to `num_features`, scale, score; anomaly when below the offset. */
export function scoreRecord(model: HasuraModel, features: readonly number[]): RecordScore {
  const row = new Array<number>(model.numFeatures).fill(0);
  for (let i = 0; i < Math.min(features.length, model.numFeatures); i++) row[i] = features[i]!;
  const score = model.forest.scoreSample(model.scaler.transformRow(row));
  return { score, isAnomaly: model.forest.offset !== null && score < model.forest.offset };
}

const modelJson = z.object({
  format: z.literal(FORMAT),
  version: z.literal(1),
  timestamp: z.string(),
  num_records: z.number().int(),
  num_features: z.number().int().min(1),
  scaler: z.unknown(),
  forest: z.unknown(),
});

/** `trained_models.model_data`: our own JSON as UTF-8 bytes, with a format and a version (contract §4.9.1). */
export function encodeModel(model: HasuraModel): Buffer {
  return Buffer.from(
    JSON.stringify({
      format: FORMAT,
      version: 1,
      timestamp: model.timestamp,
      num_records: model.numRecords,
      num_features: model.numFeatures,
      scaler: model.scaler.toJSON(),
      forest: model.forest.toJSON(),
    }),
    "utf8",
  );
}

/** Decodes `model_data`; anything else (an old Python pickle, a damaged row) is null, meaning "no model". */
export function decodeModel(bytes: Uint8Array): HasuraModel | null {
  try {
    const parsed = modelJson.safeParse(JSON.parse(Buffer.from(bytes).toString("utf8")));
    if (!parsed.success) return null;
    const j = parsed.data;
    const forest = IsolationForest.fromJSON(j.forest);
    const scaler = StandardScaler.fromJSON(j.scaler);
    if (forest.numFeatures !== j.num_features || scaler.numFeatures !== j.num_features) return null;
    return { forest, scaler, timestamp: j.timestamp, numRecords: j.num_records, numFeatures: j.num_features };
  } catch {
    return null;
  }
}
