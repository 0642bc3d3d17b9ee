import { stat } from "node:fs/promises";
import type { DetectorStatus } from "../core/detector.js";
import { detectorQuality, detectorQualityJson } from "./detector-quality.js";
import type { Runtime } from "./runtime.js";
import { shownPath, withShownPath } from "./shown-path.js";
import { detectorPrecision } from "./verdicts.js";

/**
 * What the model folder is, checked when asked: the engine's `models_loaded` also says true when there
 * is no folder at all (the built-in detectors then serve alone), which the dashboard showed as "loaded".
 */
export type ModelDirStatus = "loaded" | "not_found" | "not_a_directory" | "load_failed" | "not_loaded";

async function modelDirStatus(dir: string, loadedAt: string | null, loadError: string | null) {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    return "not_found" as const;
  }
  if (!isDir) return "not_a_directory" as const;
  if (loadError) return "load_failed" as const;
  return loadedAt ? ("loaded" as const) : ("not_loaded" as const);
}

/**
 * `GET /stats` and MCP `get_detection_stats`: system 002's counters plus the live pipeline's
 * detectors. The analysis engine's own processor is a fresh copy per analysis, so its detectors always
 * read "0 of 1000 records seen"; the ingest pipeline's are the ones that have seen the traffic.
 * `model_dir` (and a load error naming it) is absolute for an admin, else as `shownPath` gives it.
 * `detector_precision` (all time) and `detector_quality` (each detector's volume and precision over the
 * last 30 days, detector-quality.ts) are here so the MCP tool returns the body of `GET /stats`, as the
 * contract says (§3.6).
 */
export async function detectionStats(rt: Runtime, caller: { admin: boolean }) {
  const engine = rt.analysis.stats();
  const detectors: DetectorStatus[] = rt.pipeline.processor.statuses();
  const [status, precision, quality] = await Promise.all([
    modelDirStatus(engine.model_dir, engine.loaded_at, engine.load_error),
    detectorPrecision(rt.store),
    detectorQuality(rt.store, rt.clock.now(), { known: detectors.map((d) => d.name) }),
  ]);
  return {
    ...engine,
    ...(caller.admin
      ? {}
      : {
          model_dir: shownPath(engine.model_dir),
          load_error: engine.load_error && withShownPath(engine.load_error, engine.model_dir),
        }),
    model_dir_status: status,
    detectors,
    detector_precision: precision.map((p) => ({
      detector: p.detector,
      true_positives: p.truePositives,
      false_positives: p.falsePositives,
      precision: p.precision,
    })),
    detector_quality: detectorQualityJson(quality),
  };
}
