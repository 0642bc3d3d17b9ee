import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { detectionStats } from "../../service/detection-stats.js";
import type { McpContext } from "../context.js";
import { jsonResult } from "../results.js";
import { registerScopedTool } from "../tool-access.js";

/** Contract tool (contracts §3.6): the body of `GET /stats`. */
export function registerGetDetectionStats(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "get_detection_stats",
    { scope: "read" },
    {
      title: "Detection statistics",
      description:
        "Models loaded, the detectors and their phase (learning or detecting), and how many analyses and anomalies this server has counted since it started.",
      inputSchema: {},
      outputSchema: {
        models_loaded: z.boolean(),
        model_dir: z.string(),
        model_version: z.string(),
        loaded_at: z.string().nullable(),
        load_error: z.string().nullable(),
        model_dir_status: z.enum(["loaded", "not_found", "not_a_directory", "load_failed", "not_loaded"]),
        models: z.record(z.string(), z.object({ kind: z.string(), file: z.string(), bytes: z.number() })),
        detectors: z.array(z.object({ name: z.string(), phase: z.string(), detail: z.string() })),
        analyses_total: z.number().int(),
        anomalies_total: z.number().int(),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => {
      return jsonResult(await detectionStats(ctx.rt, { admin: ctx.caller.scopes.includes("admin") }));
    },
  );
}
