import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { isoUtc } from "../../core/time.js";
import type { Persist } from "../../service/analysis-engine.js";
import { heldInputs, type UploadTally } from "../../service/upload-records.js";
import { type McpContext, requireScope } from "../context.js";
import { parseLogData } from "../log-data.js";
import { jsonResult } from "../results.js";
import { analysisResultSchema } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";

/** `persist: true` goes through the ingest pipeline (stored), which needs `ingest`, like `?persist=true`. */
export function persistFor(ctx: McpContext, persist: boolean | undefined, tool: string): Persist | undefined {
  if (!persist) return undefined;
  requireScope(ctx, "ingest", `${tool} with persist: true`);
  return { submit: (records) => ctx.rt.ingest.submit(records), detects: ctx.rt.cluster === undefined };
}

export const persistArg = z
  .boolean()
  .optional()
  .describe(
    "true: also store the records and their anomalies in Logwarden (needs the ingest scope); default false: analyse only",
  );

/** Contract tool (contracts §3.6): the same analysis as `POST /analyze`. */
export function registerAnalyzeLogs(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "analyze_logs",
    { scope: "read", more: { "persist: true": "ingest" } },
    {
      title: "Analyze log records",
      description:
        "Runs every anomaly detector over log records given as text and returns the analysis result {total_events, anomalies_detected, anomalies[], analysis_time_ms, model_version}. Records are objects such as {timestamp, user, source_ip, event_type, action, message}; all fields optional, extra fields kept.",
      inputSchema: {
        log_data: z
          .string()
          .max(ctx.rt.config.limits.analyzeMaxBodyBytes)
          .describe(
            'A string holding JSON text: an array of log records (e.g. "[{\\"user\\":\\"root\\",\\"action\\":\\"failed\\"}]"), or NDJSON with format "ndjson"',
          ),
        format: z
          .enum(["json", "ndjson"])
          .default("json")
          .describe('"json" (default): one JSON array; "ndjson": one JSON record per line'),
        persist: persistArg,
      },
      outputSchema: analysisResultSchema.shape,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ log_data, format, persist }) => {
      const { rt } = ctx;
      const store = persistFor(ctx, persist, "analyze_logs");
      const tally: UploadTally = { linesCut: 0 };
      const inputs = heldInputs(
        parseLogData(log_data, format, { observedAt: isoUtc(rt.clock.now()), defaultService: "auth" }),
        { maxBytes: rt.config.maxLineBytes, onTooLong: rt.config.lineTooLong },
        tally,
      );
      const result = await rt.analysis.analyze(inputs, store ? { persist: store } : {});
      return jsonResult(tally.linesCut > 0 ? { ...result, lines_cut: tally.linesCut } : result);
    },
  );
}
