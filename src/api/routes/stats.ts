// GET /stats: system 002's contract (../shared/docs/seed-contracts.md §3.3).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { detectionStats } from "../../service/detection-stats.js";
import { allTimePrecisionSchema, detectorQualitySchema } from "../../service/detector-quality.js";
import type { Runtime } from "../../service/runtime.js";
import { hasScope, requireAuth } from "../auth.js";
import { fastApiErrors, MODEL_DIR_SHOWN } from "./fastapi-bodies.js";

/** System 002's models and detection statistics, with people's verdicts per detector (contracts §3.3). */
export function statsRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const readAuth = requireAuth(rt, { group: "analyze", scope: "read" });

    r.get(
      "/stats",
      {
        preHandler: readAuth,
        schema: {
          summary: "Models and detection statistics (system 002)",
          tags: ["system 002"],
          response: {
            200: z.object({
              models_loaded: z.boolean(),
              model_dir: z.string().describe(MODEL_DIR_SHOWN),
              model_version: z.string(),
              loaded_at: z.string().nullable(),
              load_error: z.string().nullable(),
              model_dir_status: z
                .enum(["loaded", "not_found", "not_a_directory", "load_failed", "not_loaded"])
                .describe("Logwarden: the folder as it is now (`models_loaded` is also true without one)"),
              models: z.record(
                z.string(),
                z.object({ kind: z.string(), file: z.string(), bytes: z.number() }),
              ),
              detectors: z
                .array(z.object({ name: z.string(), phase: z.string(), detail: z.string() }))
                .describe("The ingest pipeline's detectors: their warm-up and what they have seen"),
              analyses_total: z.number().int(),
              anomalies_total: z.number().int(),
              detector_precision: allTimePrecisionSchema,
              detector_quality: detectorQualitySchema,
            }),
            ...fastApiErrors,
          },
        },
      },
      async (request) => detectionStats(rt, { admin: hasScope(request, "admin") }),
    );
  };
}
