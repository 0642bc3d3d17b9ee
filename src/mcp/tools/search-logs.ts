import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { shownMessage, shownValue } from "../../core/line-limit.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { jsonObject, limitArg, offsetArg, shownMessageFields } from "../schemas.js";
import { sinceArg, untilArg } from "../time-args.js";
import { registerScopedTool } from "../tool-access.js";

/** Minimum OpenTelemetry severity number per level name. */
const LEVELS = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 } as const;

/** Stored log records, newest first. */
export function registerSearchLogs(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "search_logs",
    { scope: "read" },
    {
      title: "Search logs",
      description:
        "Searches the log records Logwarden has stored, newest first, by time range, service, host, minimum level, template and message text.",
      inputSchema: {
        since: sinceArg,
        until: untilArg,
        service: z.string().min(1).max(200).optional().describe("Service name exactly"),
        host: z.string().min(1).max(255).optional().describe("Host name exactly"),
        min_level: z
          .enum(["trace", "debug", "info", "warn", "error", "fatal"])
          .optional()
          .describe("Only records at this level or above"),
        template_id: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("Only records of this template (see list_templates)"),
        text: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe(
            "Words the message contains, every one, any case (the last may be the start of a word): the same search as the dashboard's and GET /api/v1/logs?q=",
          ),
        limit: limitArg(50, 200),
        offset: offsetArg,
      },
      outputSchema: {
        logs: z.array(
          z.object({
            id: z.number().int(),
            timestamp: z.string(),
            service: z.string(),
            level: z.string().nullable(),
            severity_number: z.number().int(),
            host: z.string().nullable(),
            message: z.string(),
            ...shownMessageFields,
            template_id: z.string().nullable(),
            metadata: jsonObject,
          }),
        ),
        count: z.number().int(),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const found = await ctx.rt.logs.search(
        {
          service: args.service,
          host: args.host,
          templateId: args.template_id,
          minSeverityNumber: args.min_level ? LEVELS[args.min_level] : undefined,
          since: args.since,
          until: args.until,
          text: args.text,
        },
        { limit: args.limit, offset: args.offset },
      );
      const logs = found.map((l) => ({
        id: l.ref,
        timestamp: l.timestamp,
        service: l.service,
        level: l.level,
        severity_number: l.severityNumber,
        host: l.host,
        ...shownMessage(l.message),
        template_id: l.templateId,
        metadata: shownValue(l.attributes),
      }));
      const summary =
        logs.length === 0
          ? "No log records match."
          : `${logs.length} record${logs.length === 1 ? "" : "s"}, newest first:\n${logs
              .map((l) => `#${l.id} ${l.timestamp} ${l.service} ${l.level ?? "-"} ${clip(l.message, 160)}`)
              .join("\n")}`;
      return summaryResult(summary, { logs, count: logs.length });
    },
  );
}
