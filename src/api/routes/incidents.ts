// GET /incidents: system 004's contract (../shared/docs/seed-contracts.md §5.2).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { countIncidents, listIncidents } from "../../store/repos/incidents.js";
import { requireAuth } from "../auth.js";
import { errorSchema, queryInt } from "../schemas.js";
import { incident } from "./log-objects.js";

/** The incidents `POST /ingest` opened, newest first (contracts §5.2). */
export function incidentRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/incidents",
      {
        preHandler: requireAuth(rt, { group: "incidents", scope: "read" }),
        schema: {
          summary: "Incidents, newest first (system 004)",
          tags: ["system 004"],
          description:
            "The body is system 004's bare array. With `with_total=true`, `X-Total-Count` says how many incidents there are.",
          querystring: z.object({
            limit: queryInt("limit").optional(),
            offset: queryInt("offset").optional(),
            with_total: z
              .enum(["true", "false"])
              .optional()
              .describe("Logwarden: `true` adds `X-Total-Count` (the body stays system 004's array)"),
          }),
          response: { 200: z.array(incident), 400: errorSchema, 401: errorSchema },
        },
      },
      async (request, reply) => {
        const { limit, offset, with_total } = request.query;
        // The total travels in a header: system 004's clients read the body as a bare array.
        if (with_total === "true")
          reply.header("x-total-count", String(await countIncidents(rt.store.db, {})));
        return listIncidents(rt.store.db, { limit: limit ?? 100, offset: offset ?? 0 });
      },
    );
  };
}
