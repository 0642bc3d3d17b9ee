// GET /api/v1/rules: the Sigma rules the pipeline runs and their hits (docs/sigma.md).
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Runtime } from "../../service/runtime.js";
import { listSigmaRules } from "../../service/sigma-rules.js";
import { requireAuth } from "../auth.js";

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
  };
}
