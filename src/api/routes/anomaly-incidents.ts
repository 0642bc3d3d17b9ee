import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { anomalyIncidentPageSchema, anomalyIncidents } from "../../service/anomaly-incidents.js";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";
import { errorSchema, queryInt, queryLimit, queryTime } from "../schemas.js";

const query = z.strictObject({
  since: queryTime("Inclusive start, ISO-8601 (default: a day before `until`)").optional(),
  until: queryTime("Exclusive end, ISO-8601 (default: now)").optional(),
  window_secs: queryInt("window_secs")
    .pipe(z.number().int().min(60).max(86_400))
    .optional()
    .describe("Findings about one entity this close in time are one incident (60–86400, default 1800)"),
  limit: queryLimit(500).default(50),
  offset: queryInt("offset").optional().describe("Incidents to skip, newest first (default 0)"),
});

/** Stored anomalies grouped into incidents, as `logwarden analyze` groups its findings. */
export function anomalyIncidentRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/api/v1/anomaly-incidents",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "Anomalies of a time window grouped by the user, address or host they concern",
          tags: ["anomalies"],
          querystring: query,
          response: {
            200: anomalyIncidentPageSchema,
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
            429: errorSchema,
          },
        },
      },
      async (request) => {
        const { since, until, window_secs, limit, offset } = request.query;
        return anomalyIncidents(
          rt.store,
          {
            limit,
            ...(since ? { since } : {}),
            ...(until ? { until } : {}),
            ...(window_secs ? { windowSecs: window_secs } : {}),
            ...(offset ? { offset } : {}),
          },
          rt.clock.now(),
        );
      },
    );
  };
}
