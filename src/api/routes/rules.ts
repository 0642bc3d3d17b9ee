// GET /api/v1/rules: the Sigma rules the pipeline runs and their hits; PATCH /api/v1/rules/{id} switches one
// on or off (docs/sigma.md).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { listSigmaRules, setSigmaRuleEnabled, sigmaFindingsPerDay } from "../../service/sigma-rules.js";
import { requireAuth } from "../auth.js";
import { errorSchema, queryInt } from "../schemas.js";

const rule = z.object({
  id: z.string(),
  name: z.string().nullable(),
  title: z.string(),
  kind: z.enum(["detection", "correlation"]),
  source: z
    .string()
    .describe("Detection: product/category/service (`*` where the rule names none); correlation: its type"),
  level: z.string(),
  status: z.string().nullable(),
  tags: z.array(z.string()),
  standalone: z.boolean().describe("false: the rule only feeds a correlation (no findings of its own)"),
  enabled: z
    .boolean()
    .describe("false: switched off (PATCH): no findings, no hits, nothing fed to a correlation"),
  file: z.string().describe("The file under SIGMA_RULES_DIR (and document number) it was read from"),
  hits: z.number().int().describe("Matches since the detector state began"),
  last_match: z.string().nullable().describe("Record time of the last match"),
});

export function ruleRoutes(rt: Runtime) {
  return async (app: FastifyInstance) => {
    const r = app.withTypeProvider<ZodTypeProvider>();
    r.get(
      "/api/v1/rules",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "Sigma rules loaded from SIGMA_RULES_DIR, with their hits, and the rules refused",
          tags: ["rules"],
          querystring: z.object({
            search: z.string().max(200).optional().describe("Part of a title, id, name or tag"),
          }),
          response: {
            200: z.object({
              enabled: z.boolean().describe("false without SIGMA_RULES_DIR (no sigma detector)"),
              rules: z.array(rule),
              refused: z.array(
                z.object({
                  source: z.string(),
                  id: z.string().nullable(),
                  title: z.string().nullable(),
                  kind: z.string(),
                  reason: z.string(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => listSigmaRules(rt, request.query.search),
    );
    r.get(
      "/api/v1/rules/findings-per-day",
      {
        preHandler: requireAuth(rt, { group: "anomalies", scope: "read" }),
        schema: {
          summary: "Stored sigma findings per rule and UTC day (first seen), over the last days",
          tags: ["rules"],
          querystring: z.strictObject({
            days: queryInt("days")
              .pipe(z.number().int().min(1).max(90))
              .default(14)
              .describe("How many days, ending today (1-90, default 14)"),
          }),
          response: {
            200: z.object({
              days: z.array(z.string()).describe("UTC days, oldest first (YYYY-MM-DD)"),
              rules: z
                .record(z.string(), z.array(z.number().int()))
                .describe("Rule id: findings per day, in the order of days (only rules with findings)"),
            }),
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
            429: errorSchema,
          },
        },
      },
      async (request) => sigmaFindingsPerDay(rt, request.query.days),
    );
    r.patch(
      "/api/v1/rules/:id",
      {
        // What the pipeline detects changes what operators are alerted on: admin, as revoking a suppression.
        preHandler: requireAuth(rt, { scope: "admin" }),
        schema: {
          summary:
            "Switch a loaded Sigma rule on or off: kept across restarts, audited, effective in the pipeline at once",
          tags: ["rules"],
          params: z.object({ id: z.string().min(1).max(200).describe("The rule's id") }),
          body: z.strictObject({
            enabled: z
              .boolean()
              .describe("false: the rule raises no finding, counts no hit and feeds no correlation"),
          }),
          response: {
            200: rule,
            400: errorSchema,
            401: errorSchema,
            403: errorSchema,
            404: errorSchema,
            429: errorSchema,
          },
        },
      },
      async (request) =>
        setSigmaRuleEnabled(
          rt,
          request.params.id,
          request.body.enabled,
          request.principal?.name ?? "anonymous",
        ),
    );
  };
}
