import { z } from "zod";
import type { SuppressionView } from "../store/repos/suppression-list.js";

/** A suppression as REST returns it (also the verdict response's `suppression`). */
export const suppressionSchema = z
  .object({
    id: z.number().int(),
    detector: z.string(),
    entity: z
      .string()
      .nullable()
      .describe("The detector key it is narrowed to (e.g. `ip:10.0.0.5`); null: any"),
    template_id: z.string().nullable(),
    scope: z
      .enum(["key", "template", "detector"])
      .describe("What it covers: one entity, one template, or all"),
    max_score: z
      .number()
      .nullable()
      .describe(
        "Only findings scoring at most this (the judged anomaly's) are suppressed; stronger ones fire",
      ),
    expires_at: z.string().nullable().describe("ISO UTC; null: until revoked"),
    created_at: z.string(),
    created_by: z.string().nullable().describe("Who gave the false-positive verdict"),
    reason: z.string().nullable().describe("The verdict's comment"),
    anomaly_id: z.number().int().nullable().describe("The anomaly judged a false positive"),
    suppressed_count: z.number().int().describe("Findings dropped because of it"),
    last_suppressed_at: z.string().nullable(),
    lifted_at: z.string().nullable().describe("When it was revoked (or replaced by a later verdict)"),
    lifted_by: z.string().nullable(),
    active: z.boolean().describe("Not revoked and not expired"),
  })
  .describe("False-positive suppression");

export type SuppressionJson = z.infer<typeof suppressionSchema>;

export function suppressionJson(s: SuppressionView, nowMs: number): SuppressionJson {
  return {
    id: s.id,
    detector: s.detector,
    entity: s.key,
    template_id: s.templateId,
    scope: s.key !== null ? "key" : s.templateId !== null ? "template" : "detector",
    max_score: s.maxScore,
    expires_at: s.expiresAt,
    created_at: s.createdAt,
    created_by: s.createdBy,
    reason: s.note ?? s.reason,
    anomaly_id: s.anomalyId,
    suppressed_count: s.suppressedCount,
    last_suppressed_at: s.lastSuppressedAt,
    lifted_at: s.liftedAt,
    lifted_by: s.liftedBy,
    active: s.liftedAt === null && (s.expiresAt === null || Date.parse(s.expiresAt) > nowMs),
  };
}
