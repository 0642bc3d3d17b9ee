import type { Logger } from "pino";
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

export interface DetectorSchedule {
  stop(): void;
}

/**
 * `serve`'s timers: retrain detector models every `retrainIntervalSecs`, and let detectors notice
 * silence every `tickSecs` (anomalies found are stored through the pipeline). 0 turns either off.
 * Timers are unref'd so they never hold the process open.
 */
export function startDetectorSchedule(
  rt: RetrainDeps & { pipeline: Pick<IngestPipeline, "processor" | "tick">; log: Logger },
  intervals: { retrainSecs: number; tickSecs: number },
): DetectorSchedule {
  const timers: NodeJS.Timeout[] = [];
  let busy = false;
  const guarded = (what: string, job: () => Promise<unknown>) => async () => {
    if (busy) return;
    busy = true;
    try {
      await job();
    } catch (error) {
      rt.log.error({ err: error }, `detector ${what} failed`);
    } finally {
      busy = false;
    }
  };
  if (intervals.retrainSecs > 0) {
    const retrain = guarded("retraining", async () => {
      const models = await retrainDetectors(rt);
      if (models.length > 0) {
        rt.log.info({ models: models.map((m) => `${m.kind} v${m.version}`) }, "detector models retrained");
      }
    });
    timers.push(setInterval(retrain, intervals.retrainSecs * 1000).unref());
  }
  if (intervals.tickSecs > 0) {
    timers.push(
      setInterval(
        guarded("tick", () => rt.pipeline.tick()),
        intervals.tickSecs * 1000,
      ).unref(),
    );
  }
  return {
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
