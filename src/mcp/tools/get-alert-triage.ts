import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { UserError } from "../../core/errors.js";
import { readTriage } from "../../store/repos/triage-read.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { limitArg } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";

/** System 001's triage verdicts on security alerts, when this build has alert triage. */
export function registerGetAlertTriage(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "get_alert_triage",
    { scope: "read" },
    {
      title: "Alert triage",
      description:
        "Reads the triage verdicts on security alerts (risk score and level, analysis, recommended actions, whether a human must review), highest risk first. Fails with a clear error when this build has no alert triage.",
      inputSchema: {
        alert_id: z.string().min(1).max(200).optional().describe("Only this alert, e.g. test-001"),
        risk_level: z
          .enum(["low", "medium", "high", "critical"])
          .optional()
          .describe("Only verdicts at this risk level"),
        limit: limitArg(20, 100),
      },
      outputSchema: {
        triage: z.array(
          z.object({
            alert_id: z.string(),
            risk_score: z.number().nullable().describe("0–100"),
            risk_level: z.string().nullable(),
            confidence: z.number().nullable().describe("0–1"),
            analysis_result: z.string().nullable(),
            recommended_actions: z.unknown(),
            requires_human_review: z.boolean().nullable(),
            source_ip: z.string().nullable(),
            user_id: z.string().nullable(),
            asset_id: z.string().nullable(),
            alert_status: z.string().nullable(),
            updated_at: z.string().nullable(),
          }),
        ),
        count: z.number().int(),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const rows = await readTriage(ctx.rt.store.db, {
        limit: args.limit,
        ...(args.alert_id ? { alertId: args.alert_id } : {}),
        ...(args.risk_level ? { riskLevel: args.risk_level } : {}),
      });
      if (rows === null)
        throw new UserError("alert triage is not available in this build", "not_available", 501);
      const summary =
        rows.length === 0
          ? "No triage verdicts match."
          : `${rows.length} triage verdict${rows.length === 1 ? "" : "s"}, highest risk first:\n${rows
              .map(
                (r) =>
                  `${r.alert_id} risk ${r.risk_score ?? "?"} (${r.risk_level ?? "?"})${r.requires_human_review ? " needs review" : ""}: ${clip(r.analysis_result)}`,
              )
              .join("\n")}`;
      return summaryResult(summary, { triage: rows, count: rows.length });
    },
  );
}
