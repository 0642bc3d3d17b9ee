import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { anomalyIncidentPageSchema, anomalyIncidents } from "../../service/anomaly-incidents.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { limitArg } from "../schemas.js";
import { sinceArg, untilArg } from "../time-args.js";
import { registerScopedTool } from "../tool-access.js";

/** Stored anomalies grouped by the user, address or host they concern (`GET /api/v1/anomaly-incidents`). */
export function registerListAnomalyIncidents(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "list_anomaly_incidents",
    { scope: "read" },
    {
      title: "List anomaly incidents (per user, address or host)",
      description:
        "Groups the anomalies of a time window (default the last day) into incidents: findings about one user, address or host within window_secs (default 1800) of each other, e.g. an address's failed logins, the account it got into and that account's first sudo. Each incident lists its entities, detectors, anomaly ids and a combined score; newest first. For whole services whose logs scored as anomalous, use list_incidents.",
      inputSchema: {
        since: sinceArg,
        until: untilArg,
        window_secs: z.number().int().min(60).max(86_400).optional().describe("Grouping window in seconds"),
        limit: limitArg(20, 200),
      },
      outputSchema: anomalyIncidentPageSchema.shape,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const page = await anomalyIncidents(
        ctx.rt.store,
        {
          limit: args.limit,
          ...(args.since ? { since: args.since } : {}),
          ...(args.until ? { until: args.until } : {}),
          ...(args.window_secs ? { windowSecs: args.window_secs } : {}),
        },
        ctx.rt.clock.now(),
      );
      const summary =
        page.total === 0
          ? `No anomalies between ${page.since} and ${page.until}.`
          : `${page.total} incident${page.total === 1 ? "" : "s"} from ${page.findings} anomalies between ${page.since} and ${page.until}${page.truncated ? " (only the newest 10,000 grouped)" : ""}; newest first:\n${page.incidents
              .map(
                (i) =>
                  `#${i.id} ${i.severity} ${i.score} ${i.start}…${i.end} ${i.entities.slice(0, 3).join(", ")} [${i.detectors.join(", ")}] ${i.anomaly_ids.length} anomal${i.anomaly_ids.length === 1 ? "y" : "ies"}: ${clip(i.summary)}`,
              )
              .join("\n")}`;
      return summaryResult(summary, page);
    },
  );
}
