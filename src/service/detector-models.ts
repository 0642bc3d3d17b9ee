import type { Clock } from "../core/clock.js";
import { isRetrainable } from "../core/detector.js";
import { isoUtc } from "../core/time.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { Processor } from "../pipeline/processor.js";
import type { Store } from "../store/db.js";
import { type ModelVersion, saveModel } from "../store/repos/models.js";

export interface RetrainDeps {
  store: Store;
  clock: Clock;
  pipeline: Pick<IngestPipeline, "processor">;
  config: { detectors: { modelRetention: number } };
}

/** Kind under which a detector's models are versioned in `models`. */
export const detectorModelKind = (detector: string) => `detector:${detector}`;

/**
 * Retrains every detector that trains (or those named) and versions each model in `models`, keeping
 * the last `DETECTOR_MODEL_RETENTION` versions. Called by `serve`'s schedule and on demand (API).
 */
export async function retrainDetectors(
  deps: RetrainDeps,
  names?: readonly string[],
): Promise<ModelVersion[]> {
  const processor: Processor = deps.pipeline.processor;
  const now = deps.clock.now();
  const trained = processor.detectors
    .filter((d) => !names || names.includes(d.name))
    .filter(isRetrainable)
    .map((d) => ({ detector: d.name, model: d.retrain(now) }));
  const at = isoUtc(now);
  const out: ModelVersion[] = [];
  for (const { detector, model } of trained) {
    out.push(
      await saveModel(
        deps.store.db,
        { ...model, kind: detectorModelKind(detector) },
        at,
        deps.config.detectors.modelRetention,
      ),
    );
  }
  return out;
}
