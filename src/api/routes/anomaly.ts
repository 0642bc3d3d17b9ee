// GET and PATCH /api/v1/anomalies/{id}: Logwarden's own, beside system 000's list (../shared/docs/seed-contracts.md §1.4).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { ANOMALY_STATUSES } from "../../core/anomaly.js";
import { UserError } from "../../core/errors.js";
import { shownMessage, shownValue } from "../../core/line-limit.js";
import { SEVERITIES } from "../../core/severity.js";
import { isoUtc } from "../../core/time.js";
import { findingPrecision, findingPrecisionSchema } from "../../service/detector-quality.js";
import type { Runtime } from "../../service/runtime.js";
import { suppressionJson, suppressionSchema } from "../../service/suppression-json.js";
import { recordVerdict } from "../../service/verdicts.js";
import { getAnomaly, type StoredAnomaly } from "../../store/repos/anomalies.js";
import { auditTrail, changeAnomalyStatus } from "../../store/repos/anomaly-search.js";
import { getSuppressionView } from "../../store/repos/suppression-list.js";
import { requireAuth } from "../auth.js";
import { errorSchema, jsonObjectSchema, pathId } from "../schemas.js";

const evidenceRecord = z.object({
  id: z.number().int(),
  timestamp: z.string(),
  service: z.string(),
  level: z.string().nullable(),
  message: z.string(),
  truncated: z
    .literal(true)
    .optional()
    .describe(
      "Logwarden: `message` is only the first 16 KiB of the stored line (GET /api/v1/logs/{id}/context shows it whole)",
    ),
  message_bytes: z
    .number()
    .int()
    .optional()
    .describe("The stored message's length in UTF-8 bytes, when `truncated`"),
  host: z.string().nullable(),
  template_id: z.string().nullable(),
  metadata: jsonObjectSchema,
});

const anomalyDetail = z
  .object({
    id: z.number().int(),
    detector: z.string().describe("System 000's `agent_name`"),
    type: z.string(),
    timestamp: z.string().describe("ISO-8601 UTC"),
    service: z.string().nullable(),
    key: z.string().describe("What the detector keyed on: service, user, IP, session…"),
    score: z.number(),
    severity: z.enum(SEVERITIES),
    status: z.enum(ANOMALY_STATUSES),
    description: z.string().nullable(),
    features: jsonObjectSchema,
    explanation: z
      .looseObject({
        summary: z.string(),
        observed: jsonObjectSchema,
        expected: jsonObjectSchema,
      })
      .nullable()
      .describe("Why: what was observed against what was expected, contributions, samples"),
    evidence: z.array(z.number().int()).describe("Ids of the log records that show it"),
    evidence_records: z.array(evidenceRecord).describe("Those records (ones since deleted are absent)"),
    history: z
      .array(z.object({ at: z.string(), actor: z.string(), action: z.string(), details: jsonObjectSchema }))
      .describe("Status changes from the audit log, oldest first"),
    template_id: z.string().nullable(),
    device_id: z.number().int().nullable(),
    count: z.number().int().describe("Repeats merged into this anomaly"),
    last_seen: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    detector_precision: findingPrecisionSchema,
  })
  .describe("Anomaly with explanation and evidence");

const statusChange = z.strictObject({
  status: z.enum(ANOMALY_STATUSES),
  comment: z.string().max(2000).optional().describe("Why; kept in the audit log"),
});

async function detail(rt: Runtime, a: StoredAnomaly): Promise<z.infer<typeof anomalyDetail>> {
  const [logs, history, precision] = await Promise.all([
    rt.logs.get(a.evidence),
    auditTrail(rt.store.db, `anomaly:${a.id}`),
    findingPrecision(rt.store, a.detector, rt.clock.now()),
  ]);
  return {
    id: a.id,
    detector: a.detector,
    type: a.type,
    timestamp: a.timestamp,
    service: a.service,
    key: a.key,
    score: a.score,
    severity: a.severity,
    status: a.status,
    description: a.description,
    features: a.features,
    // Samples of lines in the explanation, like the evidence, are shown within the list's cap.
    explanation: shownValue(a.explanation) as z.infer<typeof anomalyDetail>["explanation"],
    evidence: a.evidence,
    evidence_records: logs.map((l) => ({
      id: l.ref,
      timestamp: l.timestamp,
      service: l.service,
      level: l.level,
      ...shownMessage(l.message),
      host: l.host,
      template_id: l.templateId,
      metadata: shownValue(l.attributes),
    })),
    history,
    template_id: a.templateId,
    device_id: a.deviceId,
    count: a.count,
    last_seen: a.lastSeen,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    detector_precision: precision,
  };
}

/** One anomaly: read it with its evidence, and triage it (status + comment, audited). */
export function anomalyRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const params = z.object({ id: pathId });
    r.get(
      "/api/v1/anomalies/:id",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "One anomaly with its explanation, evidence records and status history",
          tags: ["anomalies"],
          params,
          response: {
            200: anomalyDetail,
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
            404: errorSchema,
          },
        },
      },
      async (request) => {
        const a = await getAnomaly(rt.store.db, request.params.id);
        if (!a) throw new UserError(`no anomaly ${request.params.id}`, "not_found", 404);
        return detail(rt, a);
      },
    );
    r.patch(
      "/api/v1/anomalies/:id",
      {
        // Changing what operators see as open is an operator's act: admin only, never opened.
        preHandler: requireAuth(rt, { scope: "admin" }),
        bodyLimit: 16 * 1024,
        schema: {
          summary: "Set an anomaly's status (open, acknowledged, resolved, false_positive) with a comment",
          tags: ["anomalies"],
          params,
          body: statusChange,
          response: {
            200: anomalyDetail.extend({
              suppression: suppressionSchema
                .nullable()
                .describe(
                  "What a false_positive status now suppresses (detector, entity, scope, until); else null",
                ),
            }),
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
            404: errorSchema,
          },
        },
      },
      async (request) => {
        const changed = await changeAnomalyStatus(
          rt.store.db,
          {
            id: request.params.id,
            status: request.body.status,
            comment: request.body.comment ?? null,
            actor: request.principal?.name ?? "anonymous",
          },
          isoUtc(rt.clock.now()),
        );
        if (!changed) throw new UserError(`no anomaly ${request.params.id}`, "not_found", 404);
        // A person's verdict teaches the detectors: a false positive suppresses its repeats and both
        // kinds count in the per-detector precision of /stats and /metrics.
        const verdict = VERDICT_OF_STATUS[request.body.status];
        const created = verdict
          ? (
              await recordVerdict(rt, {
                anomalyId: changed.id,
                verdict,
                actor: request.principal?.name ?? "anonymous",
                ...(request.body.comment ? { note: request.body.comment } : {}),
              })
            ).suppression
          : null;
        const suppression = created ? await getSuppressionView(rt.store.db, created.id) : null;
        return {
          ...(await detail(rt, changed)),
          suppression: suppression ? suppressionJson(suppression, rt.clock.now()) : null,
        };
      },
    );
  };
}

/** Statuses that are a verdict on the detector: resolving means it was real, false_positive that it was not. */
const VERDICT_OF_STATUS: Partial<Record<string, "true_positive" | "false_positive">> = {
  resolved: "true_positive",
  false_positive: "false_positive",
};
