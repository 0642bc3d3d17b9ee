// POST /score and GET /model-info: system 004's ML service contract (../shared/docs/seed-contracts.md §5.4).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { isoUtc } from "../../core/time.js";
import { recordFromIngestLog } from "../../service/ingest-records.js";
import type { Runtime } from "../../service/runtime.js";
import { groupFeatures } from "../../service/scoring.js";
import { requireAuth } from "../auth.js";
import { errorSchema, jsonObjectSchema } from "../schemas.js";
import { ingestLog, readLogBodies } from "./log-objects.js";

/** System 004's ML scoring service: score a group of logs, describe the model (contracts §5.4). */
export function scoringRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    // The bodies /ingest reads (text/plain refused, NDJSON read), as when both were one plugin.
    readLogBodies(app, rt);

    r.post(
      "/score",
      {
        preHandler: requireAuth(rt, { group: "score", scope: "read" }),
        schema: {
          summary: "Score a group of logs without storing them (system 004's ML service)",
          tags: ["system 004"],
          body: z.preprocess(
            (body) => (typeof body === "object" && body !== null && "logs" in body ? body : { logs: [body] }),
            z.object({ logs: z.array(ingestLog) }),
          ),
          response: {
            200: z.object({ score: z.number(), model: z.string(), features: jsonObjectSchema }),
            400: errorSchema,
          },
        },
      },
      async (request) => {
        const logs = request.body.logs;
        const now = isoUtc(rt.clock.now());
        const features = groupFeatures(logs.map((l) => recordFromIngestLog(l, now)));
        const model = rt.scoreModel;
        return { score: model.score(features), model: model.version, features };
      },
    );

    r.get(
      "/model-info",
      {
        preHandler: requireAuth(rt, { group: "score", scope: "read" }),
        schema: {
          summary: "The scoring model (system 004's ML service)",
          tags: ["system 004"],
          response: { 200: jsonObjectSchema },
        },
      },
      async () => rt.scoreModel.info,
    );
  };
}
