import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ANOMALY_STATUSES } from "../../core/anomaly.js";
import { SEVERITIES } from "../../core/severity.js";
import type { Runtime } from "../../service/runtime.js";
import { requireAuth } from "../auth.js";
import { errorSchema, MAX_ROW_ID } from "../schemas.js";

const brief = z.object({
  id: z.number().int(),
  severity: z.enum(SEVERITIES),
  status: z.enum(ANOMALY_STATUSES),
  service: z.string().nullable(),
  key: z.string(),
  count: z.number().int(),
  detector: z.string(),
  timestamp: z.string(),
  description: z.string().nullable(),
});

const MAX_IDS = 500;

/**
 * Severity, status and service of listed anomalies. `GET /api/v1/anomalies` must keep system 000's nine
 * fields, so a table that shows more (the dashboard) asks for the rest of one page here, by id. Detector,
 * time and description come along so a list of ids alone (an anomaly incident's) can be shown as rows.
 */
export function anomalyBriefRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/api/v1/anomaly-briefs",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary:
            "Severity, status, service, key, detector, time and description of the anomalies with these ids (one page's worth)",
          tags: ["anomalies"],
          querystring: z.object({
            ids: z
              .string()
              .regex(/^\d{1,15}(,\d{1,15})*$/, "ids must be comma-separated positive integers")
              .transform((s) => [...new Set(s.split(",").map(Number))])
              .refine((ids) => ids.length <= MAX_IDS, `at most ${MAX_IDS} ids`)
              // PostgreSQL refuses a bigger one in the query (a 500), and no row can have it.
              .refine((ids) => ids.every((id) => id <= MAX_ROW_ID), `ids must be at most ${MAX_ROW_ID}`)
              .describe(`Comma-separated anomaly ids, at most ${MAX_IDS}`),
          }),
          response: { 200: z.array(brief), 400: errorSchema, 401: errorSchema, 403: errorSchema },
        },
      },
      async (request) => {
        const rows = await rt.store.db
          .selectFrom("anomalies")
          .select([
            "id",
            "severity",
            "status",
            "service",
            "key",
            "count",
            "agent_name",
            "timestamp",
            "description",
          ])
          .where("id", "in", request.query.ids)
          .execute();
        return rows.map((r) => ({
          id: Number(r.id),
          severity: r.severity as z.infer<typeof brief>["severity"],
          status: r.status as z.infer<typeof brief>["status"],
          service: r.service,
          key: r.key,
          count: Number(r.count),
          detector: r.agent_name,
          timestamp: r.timestamp,
          description: r.description,
        }));
      },
    );
  };
}
