import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { listAnomalies, type StoredAnomaly } from "../../store/repos/anomalies.js";
import { requireAuth } from "../auth.js";
import { errorSchema, jsonObjectSchema, queryInt } from "../schemas.js";

const anomaly000 = z.object({
  id: z.number().int(),
  agent_name: z.string(),
  device_id: z.number().int().nullable(),
  timestamp: z.string().describe("UTC, `YYYY-MM-DDTHH:MM:SS` without zone"),
  anomaly_type: z.string(),
  confidence: z.number(),
  description: z.string().nullable(),
  features: jsonObjectSchema.nullable(),
  created_at: z.string().describe("UTC, `YYYY-MM-DDTHH:MM:SS` without zone"),
});

/** System 000's local form: UTC seconds without a zone (contracts §1.4, §6.3 C12). */
function localSeconds(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso.replace(" ", "T").slice(0, 19) : new Date(t).toISOString().slice(0, 19);
}

export function toAnomaly000(a: StoredAnomaly): z.infer<typeof anomaly000> {
  return {
    id: a.id,
    agent_name: a.detector,
    device_id: a.deviceId,
    timestamp: localSeconds(a.timestamp),
    anomaly_type: a.type,
    confidence: a.score,
    description: a.description,
    features: a.features,
    created_at: localSeconds(a.createdAt),
  };
}

/** System 000: `GET /api/v1/anomalies` for the Log Monitor (contracts §1.4). */
export function anomalies000Routes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().get(
      "/api/v1/anomalies",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read", healthToken: true }),
        schema: {
          summary: "Anomalies, newest first (system 000's contract)",
          tags: ["anomalies"],
          querystring: z.object({
            limit: queryInt("limit").optional().describe("Maximum rows (default 100)"),
            offset: queryInt("offset").optional().describe("Rows to skip (default 0)"),
            agent_name: z.string().optional().describe("Only this detector, e.g. `wifi`"),
          }),
          response: { 200: z.array(anomaly000), 400: errorSchema, 401: errorSchema },
        },
      },
      async (request) => {
        const rows = await listAnomalies(rt.store.db, {
          limit: request.query.limit ?? 100,
          offset: request.query.offset ?? 0,
          ...(request.query.agent_name ? { agentName: request.query.agent_name } : {}),
        });
        return rows.map(toAnomaly000);
      },
    );
  };
}
