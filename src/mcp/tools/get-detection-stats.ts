import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { detectionStats } from "../../service/detection-stats.js";
import { allTimePrecisionSchema, detectorQualitySchema } from "../../service/detector-quality.js";
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
        "Models loaded, the detectors and their phase (learning or detecting), and how many analyses and anomalies this server has counted since it started. " +
        "detector_quality gives, per detector over the last 30 days, how many findings it raised (and per day) and its precision: " +
        "of the findings people judged (their latest verdict: resolved or true positive counts as real, false positive as not), " +
        "the share that were real. Precision comes only from people's verdicts, not from the detector itself; " +
        "null precision means nobody judged its findings in the window, not that it is always right. Each detector has a sentence in `text`.",
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
        detector_precision: allTimePrecisionSchema,
        detector_quality: detectorQualitySchema,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async () => {
      return jsonResult(await detectionStats(ctx.rt, { admin: ctx.caller.scopes.includes("admin") }));
    },
  );
}
