// GET /meta: system 004's contract (../shared/docs/seed-contracts.md §5.2).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";

/** The deployed commit, model version and start time (contracts §5.2). */
export function metaRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/meta",
      {
        preHandler: requireAuth(rt, { group: "meta", scope: "read" }),
        schema: {
          summary: "Deployed commit, model version and start time (system 004)",
          tags: ["system 004"],
          response: {
            200: z.object({
              git: z.string().nullable(),
              model: z.string().nullable(),
              started_at: z.string(),
            }),
          },
        },
      },
      async () => ({ git: rt.gitCommit, model: rt.config.modelVersion ?? null, started_at: rt.startedAt }),
    );
  };
}
