import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import type { Registry } from "prom-client";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";
import { errorSchema } from "../schemas.js";

/** `GET /metrics` (contracts §3.5): Prometheus text format; `read` scope unless OPEN_ROUTES has `metrics`. */
export function metricsRoutes(rt: Runtime, registry: Registry) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/metrics",
      {
        preHandler: requireAuth(rt, { group: "metrics", scope: "read" }),
        schema: {
          summary: "Prometheus metrics (text exposition format 0.0.4)",
          tags: ["operations"],
          produces: [registry.contentType],
          response: {
            200: z.string().describe("Prometheus text format"),
            401: errorSchema,
            403: errorSchema,
          },
        },
      },
      async (_request, reply) => {
        const text = await registry.metrics();
        return reply
          .type(registry.contentType)
          .serializer((payload: unknown) => String(payload))
          .send(text);
      },
    );
  };
}
