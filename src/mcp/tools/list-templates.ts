import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { shownText } from "../../core/line-limit.js";
import { findTemplates, TEMPLATE_ORDERS } from "../../store/repos/template-search.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { limitArg } from "../schemas.js";
import { sinceArg } from "../time-args.js";
import { registerScopedTool } from "../tool-access.js";

const shownTemplate = (text: string) => {
  const shown = shownText(text);
  return shown ? { template: shown.text, truncated: true as const } : { template: text };
};

/** The log templates the miner found: newly seen, rare, or frequent, per service. */
export function registerListTemplates(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "list_templates",
    { scope: "read" },
    {
      title: "List log templates",
      description:
        "Lists the log templates (message shapes with variables as <*>) Logwarden has mined: the newest, the rarest or the most frequent, optionally for one service.",
      inputSchema: {
        order: z
          .enum(TEMPLATE_ORDERS)
          .default("new")
          .describe(
            '"new": most recently first seen (default); "rare": fewest records; "frequent": most records',
          ),
        service: z.string().min(1).max(200).optional().describe("Only this service's templates (its stream)"),
        since: sinceArg.describe("Only templates first seen at or after this time, ISO-8601"),
        limit: limitArg(25, 200),
      },
      outputSchema: {
        templates: z.array(
          z.object({
            template_id: z.string(),
            service: z.string(),
            template: z.string(),
            truncated: z.literal(true).optional().describe("`template` is only the first 16 KiB of its text"),
            count: z.number().int(),
            first_seen: z.string(),
            last_seen: z.string(),
          }),
        ),
        count: z.number().int(),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const rows = await findTemplates(ctx.rt.store.db, {
        order: args.order,
        limit: args.limit,
        ...(args.service ? { stream: args.service } : {}),
        ...(args.since ? { since: args.since } : {}),
      });
      const templates = rows.map((t) => ({
        template_id: t.templateId,
        service: t.stream,
        ...shownTemplate(t.template),
        count: t.count,
        first_seen: t.firstSeen,
        last_seen: t.lastSeen,
      }));
      const summary =
        templates.length === 0
          ? "No templates match."
          : `${templates.length} template${templates.length === 1 ? "" : "s"} (${args.order}):\n${templates
              .map(
                (t) =>
                  `${t.template_id} ${t.service} ×${t.count} first ${t.first_seen}: ${clip(t.template, 160)}`,
              )
              .join("\n")}`;
      return summaryResult(summary, { templates, count: templates.length });
    },
  );
}
