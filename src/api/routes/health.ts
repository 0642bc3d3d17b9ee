import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";

/**
 * One `/health` whose body carries every seed's fields (contracts §6.2, C4): system 000's `checks`,
 * system 002's `models_loaded`/`model_dir`. 503 when the store cannot be used.
 */
export function healthRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      "/health",
      {
        schema: {
          summary: "Health of the store and pipeline (open; a bearer token is accepted and ignored)",
          tags: ["health"],
          response: {
            200: z.looseObject({ status: z.string() }),
            503: z.looseObject({ status: z.string() }),
          },
        },
      },
      async (_request, reply) => {
        let storeOk = true;
        try {
          await rt.store.ping();
        } catch {
          storeOk = false;
        }
        const healthy = storeOk && rt.pipeline.accepting;
        const body = {
          status: healthy ? "healthy" : "unhealthy",
          checks: {
            [rt.store.dialect === "sqlite" ? "sqlite" : "postgres"]: storeOk ? "ok" : "error",
            sqlite: rt.store.dialect === "sqlite" ? (storeOk ? "ok" : "error") : "disabled",
            source_postgres: "disabled",
            redis: "disabled",
            pipeline: rt.pipeline.accepting ? "ok" : "stopping",
          },
          models_loaded: true,
          model_dir: rt.config.modelDir,
          queue_depth: rt.pipeline.depth,
          started_at: rt.startedAt,
        };
        return reply.code(healthy ? 200 : 503).send(body);
      },
    );
    r.get("/health/live", { schema: { tags: ["health"], summary: "Liveness (always open)" } }, async () => ({
      status: "alive",
    }));
    r.get(
      "/health/ready",
      { schema: { tags: ["health"], summary: "Readiness: store migrated and models loaded" } },
      async (_req, reply) => {
        try {
          await rt.store.ping();
          return { status: "ready" };
        } catch {
          return reply.code(503).send({ detail: "Service Unavailable" });
        }
      },
    );
  };
}
