import { resolve } from "node:path";
import { isoUtc } from "../core/time.js";
import { recordAudit } from "../store/repos/audit.js";
import type { LoadResult } from "./analysis-engine.js";
import type { Runtime } from "./runtime.js";

/**
 * `POST /models/load` and MCP's `load_anomaly_models`: loads a model folder into the running service
 * and writes who did it to the audit log (`models.load`). Loading changes what every later analysis
 * and score uses, and another folder than MODEL_DIR points the server at files of the caller's choosing,
 * so it is recorded like a configuration change; a failed load changes nothing and is not.
 */
export async function loadModels(rt: Runtime, dir: string, actor: string): Promise<LoadResult> {
  const result = await rt.analysis.load(dir);
  if (rt.analysis.scoreModel) rt.scoreModel = rt.analysis.scoreModel;
  await recordAudit(
    rt.store.db,
    {
      actor,
      action: "models.load",
      target: `model_dir:${result.model_dir}`,
      details: {
        models: result.models,
        other_than_model_dir: resolve(dir) !== resolve(rt.config.modelDir),
      },
    },
    isoUtc(rt.clock.now()),
  );
  rt.log.info({ model_dir: result.model_dir, models: result.models, by: actor }, "models loaded");
  return result;
}
