import { z } from "zod";
import type { TriageConfig } from "../config/triage-schema.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import { SEVERITIES } from "../core/severity.js";
import type { RiskResult } from "./risk.js";
import type { NormalizedAlert, TriageMessage } from "./types.js";

/** The strict JSON the model must answer with; anything else is refused and the rules' verdict stands. */
export const llmVerdictSchema = z.strictObject({
  risk_score: z.number().min(0).max(100),
  risk_level: z.enum(SEVERITIES),
  confidence: z.number().min(0).max(1),
  analysis: z.string().min(1).max(4000),
  recommended_actions: z.array(z.string().min(1).max(200)).max(10),
  requires_human_review: z.boolean(),
});
export type LlmVerdict = z.infer<typeof llmVerdictSchema>;

export interface LlmAnalyzer {
  readonly name: string;
  analyze(message: TriageMessage, rules: RiskResult): Promise<LlmVerdict>;
}

const SYSTEM_PROMPT = `You are a security analyst triaging one alert. You receive the normalised alert, its context
(network, asset, user), threat-intelligence verdicts and a rule-based risk assessment. Answer with ONE JSON object and
nothing else, exactly these keys: {"risk_score": number 0-100, "risk_level": "low"|"medium"|"high"|"critical",
"confidence": number 0-1, "analysis": string, "recommended_actions": string[], "requires_human_review": boolean}.`;

// Keys whose values never go into a prompt, whatever the alert carried.
const SECRET_KEY = /pass(word)?|secret|token|api[_-]?key|authorization|cookie|session|credential|private/i;

/** Deep copy without secret-looking keys. */
export function redact(value: unknown, depth = 0): JsonValue {
  if (depth > 8) return null;
  if (Array.isArray(value)) return value.slice(0, 50).map((v) => redact(v, depth + 1));
  if (isJsonObject(value)) {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_KEY.test(k) ? "[redacted]" : redact(v, depth + 1);
    return out;
  }
  if (typeof value === "string") return value.slice(0, 2000);
  return (value ?? null) as JsonValue;
}

/** The user message: what the model may see. The raw alert is left out; only normalised fields go in. */
export function buildPrompt(n: NormalizedAlert, m: TriageMessage, rules: RiskResult): string {
  return JSON.stringify(
    redact({
      alert: n,
      context: {
        network: m.enrichment.source_network ?? null,
        asset: m.enrichment.asset ?? null,
        user: m.enrichment.user ?? null,
      },
      threat_intel: m.enrichment.threat_intel ?? {},
      rule_based: {
        risk_score: rules.risk_score,
        risk_level: rules.risk_level,
        confidence: rules.confidence,
        analysis: rules.analysis_result,
        recommended_actions: rules.recommended_actions,
      },
    }),
  );
}

/** The JSON object in a reply, tolerating a Markdown code fence around it. */
export function parseVerdict(text: string): LlmVerdict {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = (fenced?.[1] ?? text).trim();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error("LLM reply is not JSON");
  }
  const result = llmVerdictSchema.safeParse(parsed);
  if (!result.success)
    throw new Error(`LLM reply does not match the schema: ${result.error.issues[0]?.message}`);
  return result.data;
}

async function postJson(url: string, headers: Record<string, string>, body: unknown, timeoutMs: number) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`LLM HTTP ${res.status}`);
  return (await res.json()) as unknown;
}

const trimSlash = (u: string) => u.replace(/\/+$/, "");

/** OpenAI-compatible chat completions (`POST {url}/chat/completions`). */
function openAi(cfg: TriageConfig["llm"]): LlmAnalyzer {
  const base = trimSlash(cfg.url ?? "https://api.openai.com/v1");
  return {
    name: "openai",
    async analyze(m, rules) {
      const reply = await postJson(
        `${base}/chat/completions`,
        cfg.apiKey ? { authorization: `Bearer ${cfg.apiKey}` } : {},
        {
          model: cfg.model,
          temperature: 0,
          response_format: { type: "json_object" },
          messages: [
            { role: "system", content: SYSTEM_PROMPT },
            { role: "user", content: buildPrompt(m.normalized!, m, rules) },
          ],
        },
        cfg.timeoutMs,
      );
      const choices = isJsonObject(reply) && Array.isArray(reply.choices) ? reply.choices : [];
      const first = choices[0];
      const message = isJsonObject(first) && isJsonObject(first.message) ? first.message : {};
      if (typeof message.content !== "string") throw new Error("LLM reply has no message content");
      return parseVerdict(message.content);
    },
  };
}

/** Anthropic messages API (`POST {url}/v1/messages`). */
function anthropic(cfg: TriageConfig["llm"]): LlmAnalyzer {
  const base = trimSlash(cfg.url ?? "https://api.anthropic.com");
  return {
    name: "anthropic",
    async analyze(m, rules) {
      const reply = await postJson(
        `${base}/v1/messages`,
        { "x-api-key": cfg.apiKey ?? "", "anthropic-version": "2023-06-01" },
        {
          model: cfg.model,
          max_tokens: 1024,
          system: SYSTEM_PROMPT,
          messages: [{ role: "user", content: buildPrompt(m.normalized!, m, rules) }],
        },
        cfg.timeoutMs,
      );
      const content = isJsonObject(reply) && Array.isArray(reply.content) ? reply.content : [];
      const text = content
        .map((c) => (isJsonObject(c) && c.type === "text" && typeof c.text === "string" ? c.text : ""))
        .join("");
      if (!text) throw new Error("LLM reply has no text content");
      return parseVerdict(text);
    },
  };
}

export function createLlmAnalyzer(cfg: TriageConfig["llm"]): LlmAnalyzer | null {
  if (cfg.provider === "openai") return openAi(cfg);
  if (cfg.provider === "anthropic") return anthropic(cfg);
  return null;
}
