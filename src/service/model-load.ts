import { resolve } from "node:path";
import { isoUtc } from "../core/time.js";
import { recordAudit } from "../store/repos/audit.js";
import type { LoadResult } from "./analysis-engine.js";
import type { Runtime } from "./runtime.js";
import { shownPath, withShownPath } from "./shown-path.js";

/**
 * `POST /models/load` and MCP's `load_anomaly_models`: loads a model folder into the running service
 * and writes who did it to the audit log (`models.load`). Loading changes what every later analysis
 * and score uses, and another folder than MODEL_DIR points the server at files of the caller's choosing,
 * so it is recorded like a configuration change; a failed load changes nothing and is not. The answer
 * (and a failure's message) names the folder absolutely for an admin, else as `shownPath` gives it; the
 * audit log and the server's log keep the absolute path.
 */
export async function loadModels(
  rt: Runtime,
  dir: string,
  actor: string,
  caller: { admin: boolean },
): Promise<LoadResult> {
  let result: LoadResult;
  try {
    result = await rt.analysis.load(dir);
  } catch (error) {
    if (!caller.admin && error instanceof Error) error.message = withShownPath(error.message, dir);
    throw error;
  }
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
  return caller.admin ? result : { ...result, model_dir: shownPath(result.model_dir) };
}
