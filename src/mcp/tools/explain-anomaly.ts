import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { MAX_EVIDENCE } from "../../core/anomaly.js";
import { UserError } from "../../core/errors.js";
import { shownMessage, shownText } from "../../core/line-limit.js";
import { findingPrecision, findingPrecisionSchema } from "../../service/detector-quality.js";
import { getAnomaly } from "../../store/repos/anomalies.js";
import { auditTrail } from "../../store/repos/anomaly-search.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { anomalySummarySchema, jsonObject, shownMessageFields } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";
import { anomalySummary } from "./search-anomalies.js";

const outputSchema = {
  anomaly: anomalySummarySchema,
  explanation: z.string().describe("One-line why"),
  observed: jsonObject.describe("What was observed"),
  baseline: jsonObject.describe("What was expected (the baseline)"),
  contributions: z
    .array(z.object({ name: z.string(), value: z.unknown(), weight: z.number() }))
    .describe("What contributed most, first"),
  template: z
    .object({ template_id: z.string(), stream: z.string(), template: z.string(), count: z.number().int() })
    .nullable()
    .describe("The log template the anomaly is about, when it has one"),
  evidence: z
    .array(
      z.object({
        id: z.number().int(),
        timestamp: z.string(),
        service: z.string(),
        level: z.string().nullable(),
        host: z.string().nullable(),
        message: z.string(),
        ...shownMessageFields,
      }),
    )
    .describe("The log records that show it (ones since deleted are absent)"),
  history: z
    .array(z.object({ at: z.string(), actor: z.string(), action: z.string(), details: jsonObject }))
    .describe("Status changes and verdicts, oldest first"),
  detector_precision: findingPrecisionSchema,
};

/** `GET /api/v1/anomalies/{id}` told as an explanation: why, against what baseline, on which lines. */
export function registerExplainAnomaly(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "explain_anomaly",
    { scope: "read" },
    {
      title: "Explain an anomaly",
      description:
        "Explains one stored anomaly: why it was raised, the baseline against what was observed, the top contributing features, its log template, the evidence log lines and its status history, and how often people judged this detector's findings real in the last 30 days (its precision from their verdicts, or that none were judged yet: weigh the finding by it).",
      inputSchema: {
        id: z.number().int().positive().describe("Anomaly id (from search_anomalies or a resource)"),
      },
      outputSchema,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async ({ id }) => {
      const db = ctx.rt.store.db;
      const a = await getAnomaly(db, id);
      if (!a) throw new UserError(`no anomaly ${id}`, "not_found", 404);
      const [logs, history, template, precision] = await Promise.all([
        ctx.rt.logs.get(a.evidence.slice(-MAX_EVIDENCE)),
        auditTrail(db, `anomaly:${a.id}`),
        a.templateId
          ? db.selectFrom("templates").selectAll().where("template_id", "=", a.templateId).executeTakeFirst()
          : Promise.resolve(undefined),
        findingPrecision(ctx.rt.store, a.detector, ctx.rt.clock.now()),
      ]);
      const e = a.explanation;
      const result = {
        anomaly: anomalySummary(a),
        explanation: e?.summary ?? a.description ?? a.type,
        observed: e?.observed ?? {},
        baseline: e?.expected ?? {},
        contributions: e?.contributions ?? [],
        template: template
          ? {
              template_id: template.template_id,
              stream: template.stream,
              template: shownText(template.template)?.text ?? template.template,
              count: Number(template.count),
            }
          : null,
        evidence: logs.map((l) => ({
          id: l.ref,
          timestamp: l.timestamp,
          service: l.service,
          level: l.level,
          host: l.host,
          ...shownMessage(l.message),
        })),
        history,
        detector_precision: precision,
      };
      const lines = [
        `Anomaly #${a.id}: ${a.severity} ${a.detector} on ${a.key} (${a.status}, score ${a.score.toFixed(2)}, seen ${a.count}×, ${a.timestamp} → ${a.lastSeen})`,
        `Why: ${result.explanation}`,
        precision.text,
        `Observed: ${JSON.stringify(result.observed)}`,
        `Baseline: ${JSON.stringify(result.baseline)}`,
        ...(result.template ? [`Template: ${result.template.template}`] : []),
        `Evidence (${result.evidence.length} lines):`,
        ...result.evidence
          .slice(0, 10)
          .map((l) => `  ${l.timestamp} ${l.service} ${l.level ?? ""} ${clip(l.message, 200)}`),
      ];
      return summaryResult(lines.join("\n"), result);
    },
  );
}
