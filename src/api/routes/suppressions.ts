import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { isoUtc } from "../../core/time.js";
import type { Runtime } from "../../service/runtime.js";
import { suppressionJson, suppressionSchema } from "../../service/suppression-json.js";
import { revokeSuppression } from "../../service/suppressions.js";
import { planSuppression, SUPPRESSION_SCOPES } from "../../service/verdicts.js";
import { getAnomaly } from "../../store/repos/anomalies.js";
import { listSuppressions, SUPPRESSION_STATES } from "../../store/repos/suppression-list.js";
import { requireAuth } from "../auth.js";
import { errorSchema, pathId, queryInt, queryLimit } from "../schemas.js";

const listQuery = z.strictObject({
  detector: z.string().max(200).optional().describe("Exact detector name, e.g. `brute_force`"),
  entity: z.string().max(500).optional().describe("Exact entity (detector key), e.g. `ip:10.0.0.5`"),
  q: z.string().max(200).optional().describe("Text in the entity, detector, reason, template or author"),
  state: z
    .enum(SUPPRESSION_STATES)
    .default("active")
    .describe("`active` (default), `lifted`, `expired`, `all`"),
  limit: queryLimit(500).default(100),
  offset: queryInt("offset").default(0),
});

const previewQuery = z.strictObject({
  anomaly_id: pathId.describe("The anomaly a false-positive verdict would be given"),
  scope: z.enum(SUPPRESSION_SCOPES).default("key"),
});

const previewSchema = z
  .object({
    detector: z.string(),
    entity: z.string().nullable(),
    template_id: z.string().nullable(),
    scope: z.enum(SUPPRESSION_SCOPES),
    max_score: z.number(),
    expires_at: z.string().nullable(),
  })
  .describe("What a false-positive verdict would suppress; nothing is written");

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 429: errorSchema };

/** False-positive suppressions: list and search them (read), see what a verdict would create, revoke (admin). */
export function suppressionRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      "/api/v1/suppressions",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "List and search false-positive suppressions, newest first",
          tags: ["suppressions"],
          querystring: listQuery,
          response: {
            200: z.object({ items: z.array(suppressionSchema), total: z.number().int() }),
            ...errors,
          },
        },
      },
      async (request) => {
        const { entity, ...rest } = request.query;
        const nowMs = rt.clock.now();
        const { items, total } = await listSuppressions(
          rt.store.db,
          { ...rest, ...(entity ? { key: entity } : {}) },
          isoUtc(nowMs),
        );
        return { items: items.map((s) => suppressionJson(s, nowMs)), total };
      },
    );
    r.get(
      "/api/v1/suppressions/preview",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "What marking an anomaly a false positive would suppress, and until when",
          tags: ["suppressions"],
          querystring: previewQuery,
          response: { 200: previewSchema, 404: errorSchema, ...errors },
        },
      },
      async (request) => {
        const anomaly = await getAnomaly(rt.store.db, request.query.anomaly_id);
        if (!anomaly) throw new UserError(`no anomaly ${request.query.anomaly_id}`, "not_found", 404);
        const plan = planSuppression(
          anomaly,
          { scope: request.query.scope },
          rt.clock.now(),
          rt.config.verdicts.suppressionTtlDays,
        );
        return {
          detector: plan.detector,
          entity: plan.key,
          template_id: plan.templateId,
          scope: plan.scope,
          max_score: plan.maxScore,
          expires_at: plan.expiresAt,
        };
      },
    );
    r.delete(
      "/api/v1/suppressions/:id",
      {
        // Un-muting a detector changes what operators are alerted on: admin, as giving the verdict is.
        preHandler: requireAuth(rt, { scope: "admin" }),
        schema: {
          summary:
            "Revoke a suppression: matching findings are stored and alerted again from now on (audited)",
          tags: ["suppressions"],
          params: z.object({ id: pathId }),
          response: { 200: suppressionSchema, 404: errorSchema, 409: errorSchema, ...errors },
        },
      },
      async (request) => {
        const revoked = await revokeSuppression(
          rt,
          request.params.id,
          request.principal?.name ?? "anonymous",
        );
        return suppressionJson(revoked, rt.clock.now());
      },
    );
  };
}
