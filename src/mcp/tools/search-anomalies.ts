import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { DETECTOR_KINDS } from "../../core/detector.js";
import { kindFilter } from "../../service/anomaly-kind.js";
import type { StoredAnomaly } from "../../store/repos/anomalies.js";
import { getAnomaliesByIds } from "../../store/repos/anomalies-by-id.js";
import { searchAnomalies } from "../../store/repos/anomaly-search.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { anomalyStatus, anomalySummarySchema, limitArg, offsetArg, severity } from "../schemas.js";
import { sinceArg, untilArg } from "../time-args.js";
import { registerScopedTool } from "../tool-access.js";

export function anomalySummary(a: StoredAnomaly): z.infer<typeof anomalySummarySchema> {
  return {
    id: a.id,
    detector: a.detector,
    type: a.type,
    timestamp: a.timestamp,
    last_seen: a.lastSeen,
    service: a.service,
    key: a.key,
    score: a.score,
    severity: a.severity,
    status: a.status,
    description: a.description,
    count: a.count,
    template_id: a.templateId,
  };
}

export function anomalyLine(a: z.infer<typeof anomalySummarySchema>): string {
  return `#${a.id} ${a.timestamp} ${a.severity} ${a.status} ${a.detector} [${a.key}] ${clip(a.description)}`;
}

/** Stored anomalies with the filters of `GET /api/v1/anomalies` (same query, same order). */
export function registerSearchAnomalies(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "search_anomalies",
    { scope: "read" },
    {
      title: "Search anomalies",
      description:
        "Searches the anomalies Logwarden has stored, newest first, by time range, severity, detector, kind (security or operational), service, status, entity and text. Use explain_anomaly on an id for the why and the evidence.",
      inputSchema: {
        since: sinceArg,
        until: untilArg,
        severity: z
          .array(severity)
          .optional()
          .describe("Any of these severities (low, medium, high, critical)"),
        detector: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("Detector name exactly, e.g. brute_force, error_burst"),
        kind: z
          .enum(DETECTOR_KINDS)
          .optional()
          .describe(
            "security (brute force, spraying, new source IP, …) or operational (volume, templates, …)",
          ),
        entity: z
          .string()
          .min(1)
          .max(500)
          .optional()
          .describe("Exactly this detector key, e.g. ip:1.2.3.4 or user:root"),
        service: z.string().min(1).max(200).optional().describe("Service name exactly"),
        status: z
          .array(anomalyStatus)
          .optional()
          .describe("Any of these statuses (open, acknowledged, resolved, false_positive)"),
        text: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("Case-insensitive substring of the description or the key (user, IP, service)"),
        limit: limitArg(20, 100),
        offset: offsetArg,
      },
      outputSchema: { anomalies: z.array(anomalySummarySchema), count: z.number().int() },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const db = ctx.rt.store.db;
      const rows = await searchAnomalies(
        db,
        {
          ...(args.detector ? { agentName: args.detector } : {}),
          ...(args.service ? { service: args.service } : {}),
          ...(args.severity ? { severity: args.severity } : {}),
          ...(args.status ? { status: args.status } : {}),
          ...(args.since ? { since: args.since } : {}),
          ...(args.until ? { until: args.until } : {}),
          ...(args.text ? { q: args.text } : {}),
          ...(args.entity ? { entity: args.entity } : {}),
          ...kindFilter(args.kind),
        },
        { limit: args.limit, offset: args.offset },
      );
      const anomalies = (
        await getAnomaliesByIds(
          db,
          rows.map((r) => r.id),
        )
      ).map(anomalySummary);
      const summary =
        anomalies.length === 0
          ? "No anomalies match."
          : `${anomalies.length} anomal${anomalies.length === 1 ? "y" : "ies"}, newest first:\n${anomalies.map(anomalyLine).join("\n")}`;
      return summaryResult(summary, { anomalies, count: anomalies.length });
    },
  );
}
