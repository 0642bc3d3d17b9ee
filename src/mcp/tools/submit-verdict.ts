import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { AnomalyStatus } from "../../core/anomaly.js";
import { UserError } from "../../core/errors.js";
import { isoUtc } from "../../core/time.js";
import { recordVerdict, SUPPRESSION_SCOPES } from "../../service/verdicts.js";
import { changeAnomalyStatus } from "../../store/repos/anomaly-search.js";
import type { VerdictKind } from "../../store/repos/verdicts.js";
import type { McpContext } from "../context.js";
import { summaryResult } from "../results.js";
import { anomalySummarySchema } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";
import { anomalySummary } from "./search-anomalies.js";

/**
 * A person's verdict, in the words an analyst uses, mapped to the status an operator would set and
 * the verdict detector precision counts. `benign` is a benign true positive: the detector saw
 * something real that turned out harmless, so it counts as correct and silences nothing.
 */
const VERDICTS: Record<string, { status: AnomalyStatus; verdict: VerdictKind }> = {
  true_positive: { status: "acknowledged", verdict: "true_positive" },
  false_positive: { status: "false_positive", verdict: "false_positive" },
  benign: { status: "resolved", verdict: "true_positive" },
};

/** Triage from the assistant: sets the status as `PATCH /api/v1/anomalies/{id}` does, then records the verdict. */
export function registerSubmitVerdict(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "submit_verdict",
    { scope: "admin" },
    {
      title: "Submit a verdict on an anomaly",
      description: `Records a person's verdict on a stored anomaly and sets its status: true_positive → acknowledged; false_positive → false_positive, and similar anomalies no stronger than this one are suppressed ${suppressedFor(ctx.rt.config.verdicts.suppressionTtlDays)} (scope below; revoke_suppression lifts it); benign (real but harmless) → resolved, nothing suppressed. Audited with the caller's name. Needs the admin scope. Only submit what the user decided.`,
      inputSchema: {
        anomaly_id: z.number().int().positive().describe("The anomaly's id"),
        verdict: z
          .enum(["true_positive", "false_positive", "benign"])
          .describe(
            "true_positive: a real problem; false_positive: the detector was wrong; benign: real but harmless",
          ),
        comment: z
          .string()
          .min(1)
          .max(2000)
          .optional()
          .describe("Why; kept in the audit log and on the verdict"),
        suppress: z
          .enum(SUPPRESSION_SCOPES)
          .default("key")
          .describe(
            'For false_positive: what to silence. "key": this detector on this key (default); "template": this detector on this log template; "detector": the whole detector',
          ),
      },
      outputSchema: {
        anomaly: anomalySummarySchema,
        verdict: z.enum(["true_positive", "false_positive", "benign"]),
        verdict_id: z.number().int(),
        suppression: z
          .object({
            id: z.number().int(),
            detector: z.string(),
            key: z.string().nullable(),
            template_id: z.string().nullable(),
            scope: z.enum(SUPPRESSION_SCOPES),
            max_score: z.number().nullable().describe("Findings scoring above this still fire"),
            expires_at: z.string().nullable(),
          })
          .nullable()
          .describe("What a false positive now silences"),
        lifted_suppressions: z.array(z.number().int()).describe("Suppressions of an earlier verdict, lifted"),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: false,
      },
    },
    async (args) => {
      const { rt, caller } = ctx;
      // Changing what operators see as open is an operator's act, as on REST (PATCH needs admin).
      const mapped = VERDICTS[args.verdict]!;
      const note =
        args.verdict === "benign"
          ? `benign${args.comment ? `: ${args.comment}` : ""}`
          : (args.comment ?? null);
      const changed = await changeAnomalyStatus(
        rt.store.db,
        { id: args.anomaly_id, status: mapped.status, comment: note, actor: caller.name },
        isoUtc(rt.clock.now()),
      );
      if (!changed) throw new UserError(`no anomaly ${args.anomaly_id}`, "not_found", 404);
      const result = await recordVerdict(rt, {
        anomalyId: args.anomaly_id,
        verdict: mapped.verdict,
        actor: caller.name,
        note,
        scope: args.suppress,
      });
      const s = result.suppression;
      const out = {
        anomaly: anomalySummary(changed),
        verdict: args.verdict,
        verdict_id: result.verdict.id,
        suppression: s
          ? {
              id: s.id,
              detector: s.detector,
              key: s.key,
              template_id: s.templateId,
              scope:
                s.key !== null
                  ? ("key" as const)
                  : s.templateId !== null
                    ? ("template" as const)
                    : ("detector" as const),
              max_score: s.maxScore,
              expires_at: s.expiresAt,
            }
          : null,
        lifted_suppressions: result.lifted,
      };
      const silenced = s
        ? ` Suppressed from now on: ${s.detector}${s.key ? ` on ${s.key}` : ""}${s.templateId ? ` template ${s.templateId}` : ""}${s.maxScore !== null ? ` when scoring at most ${s.maxScore} (stronger findings still fire)` : ""}${s.expiresAt ? ` until ${s.expiresAt}` : " with no end"}; list_suppressions shows it, revoke_suppression lifts it.`
        : "";
      return summaryResult(
        `Anomaly #${changed.id} marked ${args.verdict}; status is now ${changed.status}.${silenced}`,
        out,
      );
    },
  );
}

/** How long a false positive's suppression lasts, in words (0 days: until revoked). */
function suppressedFor(days: number): string {
  return days > 0 ? `for the next ${days} day${days === 1 ? "" : "s"}` : "until revoked";
}
