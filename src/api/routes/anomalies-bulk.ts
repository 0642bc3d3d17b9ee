import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { isoUtc } from "../../core/time.js";
import type { Runtime } from "../../service/runtime.js";
import { recordVerdict } from "../../service/verdicts.js";
import { changeAnomalyStatus } from "../../store/repos/anomaly-search.js";
import { requireAuth } from "../auth.js";
import { applyEach, BULK_MAX_IDS, bulkStatusSchemas } from "../bulk-status.js";
import { errorSchema, rowId } from "../schemas.js";

/**
 * False positive is left out of the bulk statuses on purpose: each one creates a suppression that
 * silences the detector for that entity, a judgement to make row by row (PATCH /api/v1/anomalies/{id}),
 * not for a whole page.
 */
const bulk = bulkStatusSchemas(rowId, "Anomaly");

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
          summary: `Set the status of up to ${BULK_MAX_IDS} anomalies at once (open, acknowledged, resolved); audited per anomaly`,
          tags: ["anomalies"],
          body: bulk.body,
          response: {
            200: bulk.result,
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
        const result = await applyEach(request.body.ids, async (id) => {
          const changed = await changeAnomalyStatus(
            rt.store.db,
            { id, status, comment: comment ?? null, actor },
            isoUtc(rt.clock.now()),
          );
          if (changed && status === "resolved")
            await recordVerdict(rt, {
              anomalyId: id,
              verdict: "true_positive",
              actor,
              ...(comment ? { note: comment } : {}),
            });
          return Boolean(changed);
        });
        return { status, ...result };
      },
    );
  };
}
