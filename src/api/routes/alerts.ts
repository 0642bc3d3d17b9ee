import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import type { JsonObject } from "../../core/json.js";
import { SEVERITIES } from "../../core/severity.js";
import { isoUtc } from "../../core/time.js";
import type { Runtime } from "../../service/runtime.js";
import { cachedIntel, contextOf, triageOf } from "../../store/repos/alert-enrichment.js";
import {
  getAlert,
  listAlerts,
  type StoredAlert,
  setAlertVerdict,
  toIncoming,
} from "../../store/repos/alerts.js";
import { recordAudit } from "../../store/repos/audit.js";
import { changeAlertReview } from "../../store/repos/review-status.js";
import { alertBodyItem, IntakeError, toIncomingAlert } from "../../triage/intake.js";
import { iocKey } from "../../triage/intel-lookup.js";
import { extractIocs } from "../../triage/iocs.js";
import { normalizeAlert } from "../../triage/normalize.js";
import { ALERT_STATUSES, INTAKE_FORMATS } from "../../triage/types.js";
import { requireAuth } from "../auth.js";
import {
  applyEach,
  BULK_MAX_IDS,
  BULK_STATUSES,
  type BulkStatus,
  bulkStatusSchemas,
} from "../bulk-status.js";
import { errorSchema, jsonObjectSchema, queryInt, queryLimit } from "../schemas.js";

const MAX_BATCH = 1000;

const alertSummary = z.object({
  alert_id: z.string(),
  source_ip: z.string().nullable(),
  target_ip: z.string().nullable(),
  file_hash: z.string().nullable(),
  url: z.string().nullable(),
  asset_id: z.string().nullable(),
  user_id: z.string().nullable(),
  severity: z.string().nullable(),
  status: z.enum(ALERT_STATUSES),
  format: z.enum(INTAKE_FORMATS),
  stage: z.string().nullable().describe("The stage that failed, when status is dead_letter"),
  last_error: z.string().nullable(),
  attempts: z.number().int(),
  rule_name: z.string().nullable(),
  verdict: z.string().nullable(),
  incident_id: z.number().int().nullable(),
  review_status: z
    .enum(BULK_STATUSES)
    .describe(
      "Logwarden: the analyst's review (open, acknowledged, resolved), apart from the pipeline's status",
    ),
  created_at: z.string(),
  updated_at: z.string(),
});

const submitResult = z
  .object({
    accepted: z.number().int().describe("Alerts inserted now"),
    alert_ids: z.array(z.string()).describe("Their ids, in request order"),
    duplicate_ids: z
      .array(z.string())
      .describe("Ids already stored (or repeated in the batch): not duplicated"),
    alert: alertSummary.optional().describe("Single-alert repeat only (200): the alert as stored"),
  })
  .describe("Contracts §2.4: 202 after the rows are inserted and handed to the next stage");

/** What happened, for people: the alert named by its rule and what it concerns, and when it happened. */
const described = {
  title: z
    .string()
    .describe("Logwarden: what happened, in words (the rule or detector, else the alert's description)"),
  entity: z
    .string()
    .nullable()
    .describe("Logwarden: what the alert concerns (host, user or address), when it names one"),
  event_time: z
    .string()
    .nullable()
    .describe(
      "Logwarden: when the event happened, as the alert says (ISO-8601 UTC); `created_at` is when it was received",
    ),
  anomaly_id: z
    .number()
    .int()
    .nullable()
    .describe("Logwarden: the finding this alert was raised from (format `anomaly`), else null"),
};

const listItem = alertSummary.extend({
  risk_score: z.number().nullable(),
  risk_level: z.string().nullable(),
  ...described,
});

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

/** Detector names read as words: `brute_force` → "Brute force". */
const words = (name: string) => {
  const s = name.replace(/[_-]+/g, " ").trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
};

/** The `described` fields of a stored alert, from its normalised form (no stored column needed). */
function describe(a: StoredAlert): { [K in keyof typeof described]: z.infer<(typeof described)[K]> } {
  const n = normalizeAlert(toIncoming(a), "");
  const anomalyId = a.format === "anomaly" && typeof a.raw.anomaly_id === "number" ? a.raw.anomaly_id : null;
  const rule = n.rule.name ?? a.rule_name;
  const title =
    (rule && (a.format === "anomaly" ? words(rule) : rule)) ??
    text(a.raw.description) ??
    text(a.raw.message) ??
    `${a.format} alert`;
  const entity =
    n.host.name ??
    a.asset_id ??
    a.user_id ??
    a.source_ip ??
    (a.format === "anomaly" ? text(a.raw.key) : null);
  const at = Date.parse(n["@timestamp"]);
  return {
    title,
    entity,
    event_time: n["@timestamp"] && Number.isFinite(at) ? isoUtc(at) : null,
    anomaly_id: anomalyId,
  };
}

const alertDetail = alertSummary
  .extend({
    ...described,
    raw: jsonObjectSchema.describe("The alert as received"),
    normalized: jsonObjectSchema.describe("ECS-like normalised form (source.ip, user.name, file.hash.*, …)"),
    context: z.array(
      z.object({
        context_type: z.string(),
        source: z.string(),
        context_data: jsonObjectSchema,
        created_at: z.string(),
      }),
    ),
    threat_intel: z.array(
      z.object({
        field: z.string(),
        ioc: z.string(),
        ioc_type: z.string(),
        threat_level: z.string(),
        source: z.string(),
        details: jsonObjectSchema,
        first_seen: z.string(),
        last_seen: z.string(),
      }),
    ),
    triage: z
      .object({
        risk_score: z.number(),
        risk_level: z.string(),
        confidence: z.number(),
        analysis_result: z.string(),
        recommended_actions: z.array(z.string()),
        requires_human_review: z.boolean(),
        inputs: jsonObjectSchema.describe("Every input of the risk model, with each one's points"),
        analyzer: z.string().describe("`rules`, or `llm:<provider>`"),
        created_at: z.string(),
        updated_at: z.string(),
      })
      .nullable(),
  })
  .describe("One alert with its context, threat intel and triage");

/** A stored review status, as the schema's enum (the column only ever receives these three). */
const reviewStatus = (s: string): BulkStatus =>
  (BULK_STATUSES as readonly string[]).includes(s) ? (s as BulkStatus) : "open";

const bulk = bulkStatusSchemas(z.string().min(1).max(200), "Alert");

const summary = (a: StoredAlert): z.infer<typeof alertSummary> => ({
  alert_id: a.alert_id,
  source_ip: a.source_ip,
  target_ip: a.target_ip,
  file_hash: a.file_hash,
  url: a.url,
  asset_id: a.asset_id,
  user_id: a.user_id,
  severity: a.severity,
  status: a.status,
  format: a.format,
  stage: a.stage,
  last_error: a.last_error,
  attempts: a.attempts,
  rule_name: a.rule_name,
  verdict: a.verdict,
  incident_id: a.incident_id,
  review_status: reviewStatus(a.review_status),
  created_at: a.created_at,
  updated_at: a.updated_at,
});

const listQuery = z.object({
  status: z.enum(ALERT_STATUSES).optional(),
  severity: z.enum(SEVERITIES).optional(),
  risk_level: z.enum(SEVERITIES).optional(),
  review_status: z
    .enum(BULK_STATUSES)
    .optional()
    .describe("Only alerts an analyst left open, acknowledged or resolved"),
  source_ip: z.string().max(64).optional(),
  user_id: z.string().max(256).optional(),
  asset_id: z.string().max(256).optional(),
  since: z.iso.datetime().optional().describe("created_at ≥ this (ISO-8601 UTC)"),
  until: z.iso.datetime().optional().describe("created_at < this"),
  sort: z
    .enum(["newest", "severity"])
    .optional()
    .describe("`newest` (default) or `severity`: critical first, then high…, newest first within each"),
  limit: queryLimit(500).optional().describe("Default 50, at most 500"),
  offset: queryInt("offset").optional(),
});

const params = z.object({ alert_id: z.string().min(1).max(200) });
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema };

/** System 001's intake (contracts §2.4) and the triage read side (docs/triage.md#routes). */
export function alertRoutes(rt: Runtime) {
  const db = () => rt.triage.deps.store.db;
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.post(
      "/api/v1/alerts",
      {
        preHandler: requireAuth(rt, { group: "alerts", scope: "ingest" }),
        schema: {
          summary:
            "Submit one alert or a batch (SecurityAlert, Suricata EVE or Wazuh JSON; idempotent on alert_id)",
          tags: ["alerts"],
          body: z.union([alertBodyItem, z.array(alertBodyItem).min(1).max(MAX_BATCH)]),
          response: { 200: submitResult, 202: submitResult, ...errors, 503: errorSchema },
        },
      },
      async (request, reply) => {
        if (!rt.triage.started)
          throw new UserError("alert triage is disabled (TRIAGE_ENABLED)", "disabled", 503);
        const single = !Array.isArray(request.body);
        const items: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
        let alerts: ReturnType<typeof toIncomingAlert>[];
        try {
          alerts = items.map((item, i) => toIncomingAlert(item, i));
        } catch (error) {
          if (error instanceof IntakeError) throw new UserError(error.message, "validation_error", 400);
          throw error;
        }
        const result = await rt.triage.submit(alerts);
        const body = {
          accepted: result.accepted.length,
          alert_ids: result.accepted,
          duplicate_ids: result.duplicates,
        };
        // One alert posted again: 200 with the stored alert, so a retrying sender sees what it sent before.
        if (single && result.accepted.length === 0) {
          const existing = await getAlert(db(), alerts[0]!.alert_id);
          return reply.code(200).send({ ...body, ...(existing ? { alert: summary(existing) } : {}) });
        }
        return reply.code(202).send(body);
      },
    );
    r.get(
      "/api/v1/alerts",
      {
        preHandler: requireAuth(rt, { group: "alerts", scope: "read" }),
        schema: {
          summary: "Alerts, newest first, with their risk verdict; filters and offset pages",
          tags: ["alerts"],
          querystring: listQuery,
          response: {
            200: z.object({
              items: z.array(listItem),
              total: z.number().int(),
              limit: z.number().int(),
              offset: z.number().int(),
            }),
            ...errors,
          },
        },
      },
      async (request) => {
        const q = request.query;
        const limit = q.limit ?? 50;
        const offset = q.offset ?? 0;
        const { items, total } = await listAlerts(db(), { ...q, limit, offset });
        return {
          items: items.map((a) => ({
            ...summary(a),
            risk_score: a.risk_score,
            risk_level: a.risk_level,
            ...describe(a),
          })),
          total,
          limit,
          offset,
        };
      },
    );
    r.get(
      "/api/v1/alerts/:alert_id",
      {
        preHandler: requireAuth(rt, { group: "alerts", scope: "read" }),
        schema: {
          summary: "One alert with its normalised form, context rows, threat intel and triage result",
          tags: ["alerts"],
          params,
          response: { 200: alertDetail, ...errors },
        },
      },
      async (request) => {
        const a = await getAlert(db(), request.params.alert_id);
        if (!a) throw new UserError(`no alert ${request.params.alert_id}`, "not_found", 404);
        const normalized = normalizeAlert(toIncoming(a), a.created_at);
        const iocs = extractIocs(normalized);
        const [context, cached, triage] = await Promise.all([
          contextOf(db(), a.alert_id),
          cachedIntel(
            db(),
            iocs.map((i) => i.ioc),
          ),
          triageOf(db(), a.alert_id),
        ]);
        const intel = iocs.flatMap((i) => {
          const v = cached.get(iocKey(i));
          return v
            ? [
                {
                  field: i.field,
                  ioc: v.ioc,
                  ioc_type: v.ioc_type,
                  threat_level: v.threat_level,
                  source: v.source,
                  details: v.details,
                  first_seen: v.first_seen,
                  last_seen: v.last_seen,
                },
              ]
            : [];
        });
        return {
          ...summary(a),
          ...describe(a),
          raw: a.raw,
          normalized: normalized as unknown as JsonObject,
          context,
          threat_intel: intel,
          triage,
        };
      },
    );
    r.post(
      "/api/v1/alerts/:alert_id/retry",
      {
        preHandler: requireAuth(rt, { scope: "ingest" }),
        schema: {
          summary: "Run a dead-letter alert again from the stage that failed",
          tags: ["alerts"],
          params,
          body: z.strictObject({}).optional(),
          response: { 202: alertSummary, 409: errorSchema, ...errors },
        },
      },
      async (request, reply) => {
        const retried = await rt.triage.retry(request.params.alert_id);
        await recordAudit(
          db(),
          {
            actor: request.principal?.name ?? "anonymous",
            action: "alert.retry",
            target: `alert:${retried.alert_id}`,
            details: { stage: retried.stage, last_error: retried.last_error },
          },
          isoUtc(rt.clock.now()),
        );
        return reply.code(202).send(summary(retried));
      },
    );
    r.patch(
      "/api/v1/alerts",
      {
        preHandler: requireAuth(rt, { scope: "admin" }),
        bodyLimit: 64 * 1024,
        schema: {
          summary: `Set the review status of up to ${BULK_MAX_IDS} alerts at once (open, acknowledged, resolved); audited per alert`,
          tags: ["alerts"],
          body: bulk.body,
          response: { 200: bulk.result, ...errors },
        },
      },
      async (request) => {
        const { status, comment } = request.body;
        const actor = request.principal?.name ?? "anonymous";
        const result = await applyEach(request.body.ids, (id) =>
          changeAlertReview(db(), { id, status, comment: comment ?? null, actor }, isoUtc(rt.clock.now())),
        );
        return { status, ...result };
      },
    );
    r.patch(
      "/api/v1/alerts/:alert_id",
      {
        preHandler: requireAuth(rt, { scope: "admin" }),
        bodyLimit: 16 * 1024,
        schema: {
          summary: "Record an analyst's verdict (feeds the risk model's past verdicts); audited",
          tags: ["alerts"],
          params,
          body: z.strictObject({
            verdict: z.enum(["true_positive", "false_positive"]),
            comment: z.string().max(2000).optional(),
          }),
          response: { 200: alertSummary, ...errors },
        },
      },
      async (request) => {
        const now = isoUtc(rt.clock.now());
        const { alert_id } = request.params;
        const ok = await db()
          .transaction()
          .execute(async (trx) => {
            if (!(await setAlertVerdict(trx, alert_id, request.body.verdict, now))) return false;
            await recordAudit(
              trx,
              {
                actor: request.principal?.name ?? "anonymous",
                action: "alert.verdict",
                target: `alert:${alert_id}`,
                details: { verdict: request.body.verdict, comment: request.body.comment ?? null },
              },
              now,
            );
            return true;
          });
        if (!ok) throw new UserError(`no alert ${alert_id}`, "not_found", 404);
        return summary((await getAlert(db(), alert_id))!);
      },
    );
  };
}
