import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { LogRecord } from "../core/log-record.js";
import { isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import { latestModel, saveModel } from "../store/repos/models.js";
import {
  loadScoreModel,
  ONLINE_MODEL,
  type ScoreModel,
  type ScoreModelArtifact,
  trainingWindows,
  trainScoreModel,
} from "./score-model.js";

export const SCORE_MODEL_KIND = "score";
export const SCORE_MODEL_KEY = "default";

export interface TrainResult {
  artifact: ScoreModelArtifact;
  modelVersion: number;
  files: string[];
}

/**
 * `logwarden train`: fits the scoring model on a log's per-service windows, saves it as a new version in
 * the store (what `serve` loads) and writes `model.json` + `model_info.json` to the model folder, the
 * two files system 004's train step produced (contracts §5.4; our format, not joblib).
 */
export async function trainAndSave(
  store: Store,
  records: readonly LogRecord[],
  options: { windowSecs: number; modelDir: string; version?: string; now?: number },
): Promise<TrainResult> {
  const now = options.now ?? Date.now();
  const windows = trainingWindows(records, options.windowSecs);
  const previous = await latestModel(store.db, SCORE_MODEL_KIND, SCORE_MODEL_KEY);
  const version = options.version ?? `if-${(previous?.version ?? 0) + 1}`;
  const artifact = trainScoreModel(windows, {
    windowSecs: options.windowSecs,
    version,
    trainedAt: isoUtc(now),
  });
  const saved = await saveModel(
    store.db,
    {
      kind: SCORE_MODEL_KIND,
      key: SCORE_MODEL_KEY,
      parameters: { windowSecs: options.windowSecs, numTrees: 100, maxSamples: 256, seed: 42 },
      trainingSize: windows.length,
      features: artifact.features,
      metrics: { records: records.length },
      artifact: JSON.parse(JSON.stringify(artifact)),
    },
    isoUtc(now),
  );
  mkdirSync(options.modelDir, { recursive: true });
  const modelFile = join(options.modelDir, "model.json");
  const infoFile = join(options.modelDir, "model_info.json");
  writeFileSync(modelFile, `${JSON.stringify(artifact)}\n`);
  writeFileSync(infoFile, `${JSON.stringify(artifact.info, null, 2)}\n`);
  return { artifact, modelVersion: saved.version, files: [modelFile, infoFile] };
}

/** The latest trained scoring model in the store, else the online one. */
export async function loadCurrentScoreModel(store: Store): Promise<ScoreModel> {
  const latest = await latestModel(store.db, SCORE_MODEL_KIND, SCORE_MODEL_KEY);
  return latest ? loadScoreModel(latest.artifact) : ONLINE_MODEL;
}
