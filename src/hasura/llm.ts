import { z } from "zod";
import type { JsonValue } from "../core/json.js";
import type { AnalysisRecord } from "./query-rules.js";

export interface LlmSettings {
  apiKey: string;
  baseUrl: string;
  model: string;
  timeoutMs: number;
  /** Upper bound on the prompt size in (estimated) tokens. */
  maxPromptTokens: number;
  maxRecords: number;
}

/** The LLM's answer after validation (contract §4.8.4). */
export interface LlmAnalysis {
  anomalies_detected: boolean;
  records: AnalysisRecord[];
  query_pattern_analysis: { typical: boolean; concerns: string[]; recommendations: string[] };
  analysis_mode: "baseline" | "comparative";
}

const SYSTEM_PROMPT = [
  "You analyse the results of GraphQL queries for anomalies. Look for unusual combinations of values,",
  "unexpected result sizes or structures, values outside the usual ranges for this query, security problems",
  "(data leakage, over-retrieval), business-rule violations, and changes in query patterns that could indicate",
  "misuse. Without history, focus on establishing a baseline and on basic business rules.",
  "Answer ONLY with one JSON object of this shape, and nothing else:",
  '{"anomalies_detected": boolean, "records": [{"record_index": integer, "reason": string,',
  '"risk_level": "low"|"medium"|"high", "category": "unusual_combination"|"size_anomaly"|"range_violation"|',
  '"security_concern"|"business_logic"}], "query_pattern_analysis": {"typical": boolean, "concerns": [string],',
  '"recommendations": [string]}, "analysis_mode": "baseline"|"comparative"}',
].join(" ");

export interface PromptInput {
  queryHash: string;
  operationName: string | null;
  role: string | null;
  query: string | null;
  variables: JsonValue;
  mode: "baseline" | "comparative";
  newStats: unknown;
  historicalStats: unknown;
  records: readonly JsonValue[];
}

/** The user message (contract §4.8.3), cut to the prompt budget (≈ 4 characters per token). */
export function buildUserMessage(
  input: PromptInput,
  settings: Pick<LlmSettings, "maxPromptTokens" | "maxRecords">,
): string {
  const parts = [
    `Query hash: ${input.queryHash}`,
    `Operation name: ${input.operationName ?? "(none)"}`,
    `Role: ${input.role ?? "(none)"}`,
    `Query:\n${input.query ?? "(none)"}`,
    `Variables: ${JSON.stringify(input.variables ?? null)}`,
    `Analysis mode: ${input.mode}`,
    `New data statistics: ${JSON.stringify(input.newStats)}`,
    ...(input.mode === "comparative"
      ? [`Historical statistics: ${JSON.stringify(input.historicalStats)}`]
      : []),
    `Example records (index: record): ${input.records
      .slice(0, settings.maxRecords)
      .map((r, i) => `${i}: ${JSON.stringify(r)}`)
      .join("\n")}`,
    [
      "Examine: (1) distributions, ranges and correlations; (2) changes against history;",
      "(3) security: is this access appropriate for the role, does it expose PII such as salary, SSN/TIN,",
      "phone numbers or e-mail addresses, is the data volume reasonable; (4) obfuscation: is the operation",
      "name a meaningful English word or phrase that states the business intent?",
    ].join(" "),
  ];
  const text = parts.join("\n\n");
  const budget = settings.maxPromptTokens * 4 - SYSTEM_PROMPT.length;
  return text.length > budget ? `${text.slice(0, Math.max(0, budget))}\n[truncated]` : text;
}

const CATEGORIES = [
  "unusual_combination",
  "size_anomaly",
  "range_violation",
  "security_concern",
  "business_logic",
] as const;

const responseSchema = z.object({
  anomalies_detected: z.boolean(),
  records: z.array(z.unknown()),
  query_pattern_analysis: z.object({
    typical: z.boolean(),
    concerns: z.array(z.string()),
    recommendations: z.array(z.string()),
  }),
  analysis_mode: z.enum(["baseline", "comparative"]),
});

const recordSchema = z.object({
  record_index: z.number().int(),
  reason: z.string(),
  risk_level: z.string(),
  category: z.enum(CATEGORIES),
});

/** Surrounding prose and code fences are stripped: the outermost `{…}` is the answer. */
function extractJson(text: string): unknown {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) throw new Error("the LLM answer contains no JSON object");
  return JSON.parse(text.slice(start, end + 1));
}

/**
 * Validates the LLM's JSON strictly (contract §4.8.4): a missing or mistyped key fails the whole
 * answer; an unknown `risk_level` is coerced (`critical` → high, anything else → medium); a record
 * outside the dataset, or not in the record shape, is dropped.
 */
export function parseLlmAnalysis(text: string, datasetLength: number): LlmAnalysis {
  const parsed = responseSchema.safeParse(extractJson(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `the LLM answer does not match the contract: ${issue?.path.join(".") || "body"}: ${issue?.message}`,
    );
  }
  const records: AnalysisRecord[] = [];
  for (const raw of parsed.data.records) {
    const r = recordSchema.safeParse(raw);
    if (!r.success || r.data.record_index < 0 || r.data.record_index >= datasetLength) continue;
    const level = r.data.risk_level.toLowerCase();
    const risk_level =
      level === "low" || level === "medium" || level === "high"
        ? level
        : level === "critical"
          ? "high"
          : "medium";
    records.push({ ...r.data, risk_level });
  }
  return { ...parsed.data, records };
}

const messagesResponse = z.object({
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
});

/** One Anthropic Messages API call (`POST {base}/v1/messages`); returns the first text block. */
export async function callAnthropic(settings: LlmSettings, userMessage: string): Promise<string> {
  const url = `${settings.baseUrl.replace(/\/+$/, "")}/v1/messages`;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": settings.apiKey,
      "anthropic-version": "2023-06-01",
    },
    body: JSON.stringify({
      model: settings.model,
      max_tokens: 1000,
      temperature: 0.1,
      system: SYSTEM_PROMPT,
      messages: [{ role: "user", content: userMessage }],
    }),
    signal: AbortSignal.timeout(settings.timeoutMs),
  });
  const body = (await res.json().catch(() => null)) as unknown;
  if (!res.ok) {
    const detail = (body as { error?: { message?: unknown } } | null)?.error?.message;
    throw new Error(
      `LLM request failed with HTTP ${res.status}${typeof detail === "string" ? `: ${detail}` : ""}`,
    );
  }
  const parsed = messagesResponse.safeParse(body);
  if (!parsed.success) throw new Error("the LLM response is not a Messages API response");
  const text = parsed.data.content.find((b) => b.type === "text")?.text;
  if (text === undefined) throw new Error("the LLM response has no text block");
  return text;
}
