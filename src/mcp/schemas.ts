import { z } from "zod";
import { ANOMALY_STATUSES } from "../core/anomaly.js";
import { SEVERITIES } from "../core/severity.js";

/** Output schemas of the MCP tools (the input schemas live with each tool). */

export const jsonObject = z.record(z.string(), z.unknown());

export const severity = z.enum(SEVERITIES);
export const anomalyStatus = z.enum(ANOMALY_STATUSES);

/** System 002's analysis result (contracts §3.3), as `POST /analyze` answers it. */
export const analysisResultSchema = z.object({
  total_events: z.number().int(),
  anomalies_detected: z.number().int(),
  anomalies: z.array(
    z.object({
      index: z.number().int().describe("0-based position of the record in the input"),
      timestamp: z.string().nullable(),
      user: z.string().nullable(),
      source_ip: z.string().nullable(),
      event_type: z.string().nullable(),
      action: z.string().nullable(),
      message: z.string().nullable(),
      anomaly_score: z.number().min(0).max(1),
      severity,
      reasons: z.array(z.string()),
      detector: z.string(),
      extra: jsonObject,
    }),
  ),
  analysis_time_ms: z.number(),
  model_version: z.string(),
  lines_cut: z
    .number()
    .int()
    .optional()
    .describe(
      "Lines longer than MAX_LINE_BYTES, cut with a mark and flagged `logwarden.line_cut` (only when some were)",
    ),
});

/** One stored anomaly in a listing. */
export const anomalySummarySchema = z.object({
  id: z.number().int(),
  detector: z.string(),
  type: z.string(),
  timestamp: z.string(),
  last_seen: z.string(),
  service: z.string().nullable(),
  key: z.string().describe("What the detector keyed on: service, user, IP, template…"),
  score: z.number(),
  severity,
  status: anomalyStatus,
  description: z.string().nullable(),
  count: z.number().int().describe("Repeats merged into this anomaly"),
  template_id: z.string().nullable(),
});

/** A tool's page size: 1..`max`, `fallback` when omitted. */
export function limitArg(fallback: number, max: number) {
  return z
    .number()
    .int()
    .min(1)
    .max(max)
    .default(fallback)
    .describe(`At most this many (default ${fallback}, max ${max})`);
}

/** How many results a tool skips (paging). */
export const offsetArg = z.number().int().min(0).max(100_000).default(0).describe("Skip this many (paging)");

/** What a tool's log line says when its message was shortened for the answer (`shownMessage`, 16 KiB). */
export const shownMessageFields = {
  truncated: z.literal(true).optional().describe("`message` is only the first 16 KiB of the stored line"),
  message_bytes: z
    .number()
    .int()
    .optional()
    .describe("The stored message's length in UTF-8 bytes, when `truncated`"),
};
