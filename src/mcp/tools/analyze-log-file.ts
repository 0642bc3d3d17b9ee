import { basename } from "node:path";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import { isoUtc } from "../../core/time.js";
import {
  countingStreams,
  streamOfUpload,
  type UploadTally,
  uploadInputs,
  uploadWarnings,
} from "../../service/upload-records.js";
import type { McpContext } from "../context.js";
import { openLogFile, readableFiles } from "../file-access.js";
import { jsonResult } from "../results.js";
import { analysisResultSchema } from "../schemas.js";
import { registerScopedTool } from "../tool-access.js";
import { persistArg, persistFor } from "./analyze-logs.js";

/** Contract tool (contracts §3.6): `POST /analyze/file` on a file the server reads itself. */
export function registerAnalyzeLogFile(server: McpServer, ctx: McpContext): void {
  registerScopedTool(
    server,
    ctx,
    "analyze_log_file",
    { scope: "read", more: { "persist: true": "ingest" } },
    {
      title: "Analyze a log file",
      description: `Analyses a log file on the server (JSON array, {"logs": [...]}, NDJSON, or text lines: syslog, logfmt, plain) and returns the analysis result: how many events, which were anomalous and why. ${readableFiles(ctx)}`,
      inputSchema: {
        filepath: z
          .string()
          .min(1)
          .max(4096)
          .describe(
            "Path of the log file: absolute, or relative to the first folder this tool may read; no '..'",
          ),
        persist: persistArg,
        service: z
          .string()
          .trim()
          .min(1)
          .max(200)
          .optional()
          .describe(
            "Stream (service.name) of records that name none; default: the file's name, as `logwarden analyze FILE` names it",
          ),
      },
      outputSchema: {
        ...analysisResultSchema.shape,
        streams: z
          .array(z.object({ service: z.string(), records: z.number().int() }))
          .optional()
          .describe(
            "With persist only: the streams (service.name) the records were stored in, with their counts",
          ),
      },
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    async ({ filepath, persist, service }) => {
      const { rt } = ctx;
      const store = persistFor(ctx, persist, "analyze_log_file");
      const file = await openLogFile(rt.config.mcp, filepath);
      try {
        // One stream per file, not every file in `auth`: each log gets its own templates and baselines.
        const tally: UploadTally = { linesCut: 0 };
        const inputs = uploadInputs(
          file.chunks,
          {
            observedAt: isoUtc(rt.clock.now()),
            defaultService: service ?? streamOfUpload(filepath, "upload"),
          },
          { maxBytes: rt.config.maxLineBytes, onTooLong: rt.config.lineTooLong },
          tally,
          basename(filepath),
        );
        // Lines cut, and records stamped with the time of the upload (no time read), as the API says them.
        const cut = () => ({
          ...(tally.linesCut > 0 ? { lines_cut: tally.linesCut } : {}),
          ...uploadWarnings(tally),
        });
        if (!store) {
          const result = await rt.analysis.analyze(inputs);
          return jsonResult({ ...result, ...cut() });
        }
        const counting = countingStreams(inputs);
        const result = await rt.analysis.analyze(counting.inputs, { persist: store });
        return jsonResult({ ...result, streams: counting.counts(), ...cut() });
      } finally {
        await file.close();
      }
    },
  );
}
