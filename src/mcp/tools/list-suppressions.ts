import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { isoUtc } from "../../core/time.js";
import { suppressionJson, suppressionSchema } from "../../service/suppression-json.js";
import { listSuppressions, SUPPRESSION_STATES } from "../../store/repos/suppression-list.js";
import type { McpContext } from "../context.js";
import { clip, summaryResult } from "../results.js";
import { limitArg, offsetArg } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";

/** The false-positive suppressions, as `GET /api/v1/suppressions` lists them. */
export function registerListSuppressions(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "list_suppressions",
    { scope: "read" },
    {
      title: "List suppressions",
      description:
        "Lists the suppressions false-positive verdicts created (newest first): detector, entity, scope, who made it, why, until when, and how many findings each has suppressed. Only findings no stronger than the judged one are suppressed. Filter by detector, entity or text.",
      inputSchema: {
        detector: z.string().min(1).max(200).optional().describe('Exact detector name, e.g. "brute_force"'),
        entity: z
          .string()
          .min(1)
          .max(500)
          .optional()
          .describe('Exact entity (detector key), e.g. "ip:10.0.0.5"'),
        query: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .describe("Text in the entity, detector, reason or author"),
        state: z
          .enum(SUPPRESSION_STATES)
          .default("active")
          .describe("active (default), lifted, expired or all"),
        limit: limitArg(20, 100),
        offset: offsetArg,
      },
      outputSchema: { suppressions: z.array(suppressionSchema), total: z.number().int() },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const nowMs = ctx.rt.clock.now();
      const { items, total } = await listSuppressions(
        ctx.rt.store.db,
        {
          state: args.state,
          limit: args.limit,
          offset: args.offset,
          ...(args.detector ? { detector: args.detector } : {}),
          ...(args.entity ? { key: args.entity } : {}),
          ...(args.query ? { q: args.query } : {}),
        },
        isoUtc(nowMs),
      );
      const suppressions = items.map((s) => suppressionJson(s, nowMs));
      const summary =
        suppressions.length === 0
          ? "No suppressions match."
          : `${total} suppression${total === 1 ? "" : "s"} match; newest first:\n${suppressions
              .map(
                (s) =>
                  `#${s.id} ${s.detector} on ${s.entity ?? s.template_id ?? "everything"} (score ≤ ${s.max_score ?? "any"}) by ${s.created_by ?? "?"} ${s.created_at}, until ${s.expires_at ?? "revoked"}, ${s.suppressed_count} suppressed${s.active ? "" : " [inactive]"}${s.reason ? `: ${clip(s.reason)}` : ""}`,
              )
              .join("\n")}`;
      return summaryResult(summary, { suppressions, total });
    },
  );
}
