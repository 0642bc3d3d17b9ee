import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import type { JsonObject } from "../../core/json.js";
import { isoUtc } from "../../core/time.js";
import type { Runtime } from "../../service/runtime.js";
import { fromJsonText } from "../../store/json.js";
import { getAlertsByIds } from "../../store/repos/alerts.js";
import { recordAudit } from "../../store/repos/audit.js";
import { changeIncidentStatus } from "../../store/repos/review-status.js";
import {
  executeRemediation,
  listRemediation,
  REMEDIATION_STATUSES,
  type RemediationAction,
  transition,
} from "../../triage/remediation.js";
import { requireAuth } from "../auth.js";
import { applyEach, BULK_MAX_IDS, bulkStatusSchemas } from "../bulk-status.js";
import {
  errorSchema,
  jsonObjectSchema,
  MAX_ROW_ID,
  pathId,
  queryInt,
  queryLimit,
  rowId,
} from "../schemas.js";

const INCIDENT_STATUSES = ["open", "acknowledged", "resolved", "false_positive"] as const;

const remediation = z.object({
  id: z.number().int(),
  incident_id: z.number().int(),
  action: z
    .string()
    .describe("block_ip, block_domain, block_url, quarantine_file, disable_user, isolate_host"),
  target: z.string(),
  status: z.enum(REMEDIATION_STATUSES),
  reason: z.string().nullable(),
  result: jsonObjectSchema.nullable().describe("The webhook's answer, or why execution failed"),
  approved_by: z.string().nullable(),
  executed_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

const incident = z.object({
  id: z.number().int(),
  detected_at: z.string(),
  service: z.string().nullable(),
  severity: z.string(),
  summary: z.string(),
  features: jsonObjectSchema,
  status: z.string(),
  entity: z.string().nullable().describe("What the alerts are about: `ip:…`, `host:…` or `user:…`"),
  alert_id: z.string().nullable().describe("The alert that opened it"),
  alert_ids: z.array(z.string()),
  last_alert_at: z.string().nullable(),
  risk_score: z.number().nullable(),
  updated_at: z.string().nullable(),
});

const incidentDetail = incident.extend({
  alerts: z.array(
    z.object({
      alert_id: z.string(),
      status: z.string(),
      severity: z.string().nullable(),
      rule_name: z.string().nullable(),
      created_at: z.string(),
    }),
  ),
  remediation_actions: z.array(remediation),
  history: z.array(
    z.object({ at: z.string(), actor: z.string(), action: z.string(), details: jsonObjectSchema }),
  ),
});

const bulk = bulkStatusSchemas(rowId, "Incident");
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema };
const comment = z.strictObject({
  comment: z.string().max(2000).optional().describe("Why; kept in the audit log"),
});

interface IncidentRow {
  id: number;
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  features: string;
  status: string;
  entity: string | null;
  alert_id: string | null;
  alert_ids: string | null;
  last_alert_at: string | null;
  risk_score: number | null;
  updated_at: string | null;
}
const toIncident = (r: IncidentRow): z.infer<typeof incident> => ({
  ...r,
  id: Number(r.id),
  features: fromJsonText<JsonObject>(r.features, {}),
  alert_ids: fromJsonText<string[]>(r.alert_ids, []),
  risk_score: r.risk_score === null ? null : Number(r.risk_score),
});

/** Triage incidents (alerts grouped by entity and time) and their remediation actions; every change audited. */
export function triageIncidentRoutes(rt: Runtime) {
  const db = () => rt.triage.deps.store.db;
  const now = () => isoUtc(rt.clock.now());
  const cols = [
    "id",
    "detected_at",
    "service",
    "severity",
    "summary",
    "features",
    "status",
    "entity",
    "alert_id",
    "alert_ids",
    "last_alert_at",
    "risk_score",
    "updated_at",
  ] as const;
  const detail = async (id: number): Promise<z.infer<typeof incidentDetail>> => {
    const row = await db()
      .selectFrom("incidents")
      .select(cols)
      .where("id", "=", id)
      .where("entity", "is not", null)
      .executeTakeFirst();
    if (!row) throw new UserError(`no triage incident ${id}`, "not_found", 404);
    const inc = toIncident(row);
    const [alerts, actions, history] = await Promise.all([
      getAlertsByIds(db(), inc.alert_ids.slice(0, 500)),
      listRemediation(db(), { incident_id: id, limit: 500, offset: 0 }),
      db()
        .selectFrom("audit_logs")
        .selectAll()
        .where("target", "=", `incident:${id}`)
        .orderBy("id")
        .execute(),
    ]);
    return {
      ...inc,
      alerts: alerts.map((a) => ({
        alert_id: a.alert_id,
        status: a.status,
        severity: a.severity,
        rule_name: a.rule_name,
        created_at: a.created_at,
      })),
      remediation_actions: actions,
      history: history.map((h) => ({
        at: h.occurred_at,
        actor: h.actor,
        action: h.action,
        details: fromJsonText<JsonObject>(h.details, {}),
      })),
    };
  };
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    const read = requireAuth(rt, { group: "alerts", scope: "read" });
    const admin = requireAuth(rt, { scope: "admin" });
    r.get(
      "/api/v1/incidents",
      {
        preHandler: read,
        schema: {
          summary: "Triage incidents, newest first (system 004's GET /incidents lists every incident)",
          tags: ["incidents"],
          querystring: z.object({
            status: z.enum(INCIDENT_STATUSES).optional(),
            limit: queryLimit(500).optional(),
            offset: queryInt("offset").optional(),
          }),
          response: { 200: z.array(incident), ...errors },
        },
      },
      async (request) => {
        let q = db().selectFrom("incidents").select(cols).where("entity", "is not", null);
        if (request.query.status) q = q.where("status", "=", request.query.status);
        const rows = await q
          .orderBy("id", "desc")
          .limit(request.query.limit ?? 50)
          .offset(request.query.offset ?? 0)
          .execute();
        return rows.map(toIncident);
      },
    );
    r.get(
      "/api/v1/incidents/:id",
      {
        preHandler: read,
        schema: {
          summary: "One incident with its alerts, remediation actions and history",
          tags: ["incidents"],
          params: z.object({ id: pathId }),
          response: { 200: incidentDetail, ...errors },
        },
      },
      async (request) => detail(request.params.id),
    );
    r.patch(
      "/api/v1/incidents",
      {
        preHandler: admin,
        bodyLimit: 64 * 1024,
        schema: {
          summary: `Set the status of up to ${BULK_MAX_IDS} incidents at once (operational or triage; open, acknowledged, resolved); audited per incident`,
          tags: ["incidents"],
          body: bulk.body,
          response: { 200: bulk.result, ...errors },
        },
      },
      async (request) => {
        const { status, comment } = request.body;
        const actor = request.principal?.name ?? "anonymous";
        const result = await applyEach(request.body.ids, (id) =>
          changeIncidentStatus(db(), { id, status, comment: comment ?? null, actor }, now()),
        );
        return { status, ...result };
      },
    );
    r.patch(
      "/api/v1/incidents/:id",
      {
        preHandler: admin,
        schema: {
          summary: "Set an incident's status; audited",
          tags: ["incidents"],
          params: z.object({ id: pathId }),
          body: z.strictObject({
            status: z.enum(INCIDENT_STATUSES),
            comment: z.string().max(2000).optional(),
          }),
          response: { 200: incidentDetail, ...errors },
        },
      },
      async (request) => {
        const { id } = request.params;
        const before = await detail(id);
        const at = now();
        await db()
          .transaction()
          .execute(async (trx) => {
            await trx
              .updateTable("incidents")
              .set({ status: request.body.status, updated_at: at })
              .where("id", "=", id)
              .execute();
            await recordAudit(
              trx,
              {
                actor: request.principal?.name ?? "anonymous",
                action: "incident.status",
                target: `incident:${id}`,
                details: {
                  from: before.status,
                  to: request.body.status,
                  comment: request.body.comment ?? null,
                },
              },
              at,
            );
          });
        return detail(id);
      },
    );
    r.get(
      "/api/v1/remediation-actions",
      {
        preHandler: read,
        schema: {
          summary: "Remediation actions, newest first",
          tags: ["incidents"],
          querystring: z.object({
            status: z.enum(REMEDIATION_STATUSES).optional(),
            incident_id: queryInt("incident_id")
              .pipe(z.number().max(MAX_ROW_ID, `incident_id must be at most ${MAX_ROW_ID}`))
              .optional(),
            limit: queryLimit(500).optional(),
            offset: queryInt("offset").optional(),
          }),
          response: { 200: z.array(remediation), ...errors },
        },
      },
      async (request) =>
        listRemediation(db(), {
          status: request.query.status,
          incident_id: request.query.incident_id,
          limit: request.query.limit ?? 50,
          offset: request.query.offset ?? 0,
        }),
    );
    const step = (verb: "approve" | "reject" | "execute", summary: string) =>
      r.post(
        `/api/v1/remediation-actions/:id/${verb}`,
        {
          preHandler: admin,
          schema: {
            summary,
            tags: ["incidents"],
            params: z.object({ id: pathId }),
            body: comment,
            response: { 200: remediation, 409: errorSchema, ...errors },
          },
        },
        async (request): Promise<RemediationAction> => {
          const actor = request.principal?.name ?? "anonymous";
          if (verb === "execute")
            return executeRemediation(
              db(),
              request.params.id,
              rt.config.triage.remediationWebhookUrl,
              actor,
              now,
            );
          return transition(
            db(),
            request.params.id,
            verb === "approve" ? "approved" : "rejected",
            actor,
            now(),
            { comment: request.body.comment ?? null },
          );
        },
      );
    step("approve", "Approve a proposed remediation action (audited)");
    step("reject", "Reject a proposed remediation action (audited)");
    step(
      "execute",
      "Execute an approved action through TRIAGE_REMEDIATION_WEBHOOK_URL (executed or failed, audited)",
    );
  };
}
