/**
 * The boundary: a YAML document checked against the shape of a Sigma detection rule or correlation rule
 * (the specification's JSON schemas, json-schema/ in the specification, expressed in zod) before anything
 * compiles it. Unknown top-level keys are kept (Sigma allows custom attributes); the keys the engine reads
 * must have their specified types.
 */
import { z } from "zod";

export const LEVELS = ["informational", "low", "medium", "high", "critical"] as const;
export type SigmaLevel = (typeof LEVELS)[number];

const common = {
  title: z.string().min(1).max(256),
  id: z.string().min(1).optional(),
  name: z.string().min(1).optional(),
  status: z.enum(["stable", "test", "experimental", "deprecated", "unsupported"]).optional(),
  description: z.string().optional(),
  author: z.string().optional(),
  level: z.enum(LEVELS).optional(),
  tags: z.array(z.string()).optional(),
  falsepositives: z.union([z.string(), z.array(z.string())]).optional(),
};

export const logSourceSchema = z.looseObject({
  product: z.string().optional(),
  category: z.string().optional(),
  service: z.string().optional(),
  definition: z.string().optional(),
});

export const detectionDocumentSchema = z.looseObject({
  ...common,
  logsource: logSourceSchema,
  detection: z.looseObject({ condition: z.union([z.string(), z.array(z.string()).min(1)]) }),
});
export type DetectionDocument = z.infer<typeof detectionDocumentSchema>;

export const CORRELATION_TYPES = [
  "event_count",
  "value_count",
  "temporal",
  "temporal_ordered",
  "value_sum",
  "value_avg",
  "value_percentile",
] as const;
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

export const CONDITION_OPERATORS = ["gt", "gte", "lt", "lte", "eq", "neq"] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

export const correlationDocumentSchema = z.looseObject({
  ...common,
  correlation: z.strictObject({
    type: z.enum(CORRELATION_TYPES),
    rules: z.union([z.string(), z.array(z.string()).min(1)]),
    "group-by": z.union([z.string(), z.array(z.string())]).optional(),
    timespan: z.string().regex(/^\d+[smhdw]$/, "a number and one of s, m, h, d (e.g. 10m)"),
    condition: z
      .strictObject({
        field: z.union([z.string(), z.array(z.string())]).optional(),
        gt: z.number().optional(),
        gte: z.number().optional(),
        lt: z.number().optional(),
        lte: z.number().optional(),
        eq: z.number().optional(),
        neq: z.number().optional(),
      })
      .optional(),
    aliases: z.record(z.string(), z.record(z.string(), z.string())).optional(),
    generate: z.boolean().optional(),
  }),
  generate: z.boolean().optional(),
});
export type CorrelationDocument = z.infer<typeof correlationDocumentSchema>;

/** The first issue zod found, as one line naming the key. */
export function schemaReason(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "does not match the Sigma rule schema";
  return `${issue.path.join(".") || "(document)"}: ${issue.message}`;
}
