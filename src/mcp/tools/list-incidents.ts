import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { listIncidents } from "../../store/repos/incidents.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { jsonObject, limitArg, offsetArg } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";

export const incidentSchema = z.object({
  id: z.number().int(),
  detected_at: z.string(),
  service: z.string().nullable(),
  severity: z.string(),
  summary: z.string(),
  features: jsonObject,
  status: z.string(),
});

/** System 004's incidents (`GET /incidents`), newest first. */
export function registerListIncidents(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "list_incidents",
    { scope: "read" },
    {
      title: "List score incidents (per service)",
      description: `Lists score incidents, newest first: each is one service whose logs, scored as a whole, looked anomalous (score of ${ctx.rt.config.threshold} or more on a 0-1 scale), with a summary and a status such as open. For findings about a user, an address or a host (failed logins, a new source, a first sudo), grouped by that entity, use list_anomaly_incidents instead.`,
      inputSchema: {
        status: z.string().min(1).max(50).optional().describe('Only incidents with this status, e.g. "open"'),
        limit: limitArg(20, 100),
        offset: offsetArg,
      },
      outputSchema: { incidents: z.array(incidentSchema), count: z.number().int() },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const incidents = await listIncidents(ctx.rt.store.db, {
        limit: args.limit,
        offset: args.offset,
        ...(args.status ? { status: args.status } : {}),
      });
      const summary =
        incidents.length === 0
          ? "No incidents match."
          : `${incidents.length} incident${incidents.length === 1 ? "" : "s"}, newest first:\n${incidents
              .map(
                (i) =>
                  `#${i.id} ${i.detected_at} ${i.severity} ${i.status} ${i.service ?? "-"}: ${clip(i.summary)}`,
              )
              .join("\n")}`;
      return summaryResult(summary, { incidents, count: incidents.length });
    },
  );
}
