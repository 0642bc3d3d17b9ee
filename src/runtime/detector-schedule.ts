import type { Logger } from "pino";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import { type RetrainDeps, retrainDetectors } from "../service/detector-models.js";

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
