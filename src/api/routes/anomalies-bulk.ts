import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { isoUtc } from "../../core/time.js";
import type { Runtime } from "../../service/runtime.js";
import { recordVerdict } from "../../service/verdicts.js";
import { changeAnomalyStatus } from "../../store/repos/anomaly-search.js";
import { requireAuth } from "../auth.js";
import { errorSchema } from "../schemas.js";

const MAX_IDS = 500;

/**
 * False positive is left out on purpose: each one creates a suppression that silences the detector for
 * that entity, a judgement to make row by row (PATCH /api/v1/anomalies/{id}), not for a whole page.
 */
const BULK_STATUSES = ["open", "acknowledged", "resolved"] as const;

const bulkChange = z.strictObject({
  ids: z
    .array(z.number().int().positive())
    .min(1)
    .max(MAX_IDS)
    .describe(`Anomaly ids, 1 to ${MAX_IDS}; duplicates count once`),
  status: z.enum(BULK_STATUSES),
  comment: z.string().max(2000).optional().describe("Why; kept in each anomaly's audit log"),
});

const bulkResult = z.object({
  status: z.enum(BULK_STATUSES),
  updated: z.array(z.number().int()).describe("Ids whose status is now `status`"),
  not_found: z.array(z.number().int()).describe("Ids with no anomaly; nothing was done for them"),
});

/**
 * `PATCH /api/v1/anomalies`: one status for many anomalies (the dashboard's "acknowledge selected").
 * Each anomaly changes exactly as through `PATCH /api/v1/anomalies/{id}`: its own audit entry, and a
 * resolved one counts as a true positive in the detector's precision.
 */
export function anomalyBulkRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    app.withTypeProvider<ZodTypeProvider>().patch(
      "/api/v1/anomalies",
      {
        preHandler: requireAuth(rt, { scope: "admin" }),
        bodyLimit: 64 * 1024,
        schema: {
          summary: `Set the status of up to ${MAX_IDS} anomalies at once (open, acknowledged, resolved); audited per anomaly`,
          tags: ["anomalies"],
          body: bulkChange,
          response: {
            200: bulkResult,
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
            429: errorSchema,
          },
        },
      },
      async (request) => {
        const { status, comment } = request.body;
        const actor = request.principal?.name ?? "anonymous";
        const updated: number[] = [];
        const notFound: number[] = [];
        for (const id of new Set(request.body.ids)) {
          const changed = await changeAnomalyStatus(
            rt.store.db,
            { id, status, comment: comment ?? null, actor },
            isoUtc(rt.clock.now()),
          );
          if (!changed) {
            notFound.push(id);
            continue;
          }
          if (status === "resolved")
            await recordVerdict(rt, {
              anomalyId: id,
              verdict: "true_positive",
              actor,
              ...(comment ? { note: comment } : {}),
            });
          updated.push(id);
        }
        return { status, updated, not_found: notFound };
      },
    );
  };
}
