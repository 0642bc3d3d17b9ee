import { z } from "zod";
import { SEVERITIES } from "../core/severity.js";
import { envBool as bool, positiveInt } from "./coerce.js";

/** `name=cidr,name=cidr` (env) or a mapping (config file): the named internal subnets of network context. */
const subnets = z.preprocess(
  (v) => {
    if (typeof v !== "string") return v;
    const out: Record<string, string> = {};
    for (const part of v
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const eq = part.indexOf("=");
      out[eq > 0 ? part.slice(0, eq).trim() : part] = eq > 0 ? part.slice(eq + 1).trim() : part;
    }
    return out;
  },
  z.record(z.string(), z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, "expected a CIDR such as 10.1.0.0/16")),
);

/** Security alert triage (system 001, docs/triage.md). */
export const triageSchema = z
  .object({
    enabled: bool.default(true),
    /** `inprocess` (default) or `rabbitmq`; a switch of its own because the RabbitMQ sink reads RABBITMQ_URL. */
    transport: z.enum(["inprocess", "rabbitmq"]).default("inprocess"),
    /** Broker of the `rabbitmq` transport; unset: RABBITMQ_URL's value, else the contract's default. */
    rabbitmqUrl: z.string().optional(),
    /** Prepended to the queue names (e.g. `staging.`), so several deployments can share one broker. */
    queuePrefix: z.string().max(100).default(""),
    /** System 001's own database (`security_triage`); unset: the one store. */
    databaseUrl: z.string().optional(),
    /** Logwarden's anomalies at or above this severity become alerts too; `off` disables it. */
    anomalyMinSeverity: z.enum([...SEVERITIES, "off"]).default("high"),
    internalSubnets: subnets.default({}),
    /** Seconds a cached `threat_intel` verdict is trusted before its IOC is looked up again. */
    intelTtlSecs: positiveInt.default(86_400),
    /** Attempts of one stage on one alert before it goes to dead-letter. */
    maxAttempts: positiveInt.default(3),
    /** First retry delay; doubled on each further attempt. */
    retryBaseMs: z.coerce.number().int().min(0).default(200),
    /**
     * Alerts left between stages this long (their node died after storing and before handing them on, or
     * the broker lost them) are handed on again by whichever node looks first; 0: never.
     */
    resumeAfterSecs: z.coerce.number().int().min(0).default(300),
    /** Alerts one stage handles in one transaction. */
    batchSize: positiveInt.default(2000),
    /** Alerts on one entity within this many seconds of the incident's last alert join it. */
    incidentWindowSecs: positiveInt.default(3600),
    /** Alerts below this risk level do not open or join incidents. */
    incidentMinLevel: z.enum(SEVERITIES).default("medium"),
    /** Risk score at or above which a person must review the verdict. */
    humanReviewScore: z.coerce.number().min(0).max(100).default(70),
    /** Approved remediation actions are POSTed here; unset: execution fails with a clear reason. */
    remediationWebhookUrl: z.url().optional(),
    llm: z
      .object({
        provider: z.enum(["off", "openai", "anthropic"]).default("off"),
        /** Base URL: OpenAI-compatible (`…/v1`) or Anthropic (`https://api.anthropic.com`). */
        url: z.url().optional(),
        apiKey: z.string().optional(),
        model: z.string().min(1).default("gpt-4o-mini"),
        timeoutMs: positiveInt.default(15_000),
      })
      .prefault({}),
  })
  .prefault({});

export type TriageConfig = z.infer<typeof triageSchema>;

export const TRIAGE_ENV_KEYS: Record<string, string> = {
  TRIAGE_ENABLED: "triage.enabled",
  TRIAGE_TRANSPORT: "triage.transport",
  TRIAGE_RABBITMQ_URL: "triage.rabbitmqUrl",
  TRIAGE_QUEUE_PREFIX: "triage.queuePrefix",
  TRIAGE_DATABASE_URL: "triage.databaseUrl",
  TRIAGE_ANOMALY_MIN_SEVERITY: "triage.anomalyMinSeverity",
  TRIAGE_INTERNAL_SUBNETS: "triage.internalSubnets",
  TRIAGE_INTEL_TTL_SECS: "triage.intelTtlSecs",
  TRIAGE_MAX_ATTEMPTS: "triage.maxAttempts",
  TRIAGE_RETRY_BASE_MS: "triage.retryBaseMs",
  TRIAGE_BATCH_SIZE: "triage.batchSize",
  TRIAGE_RESUME_AFTER_SECS: "triage.resumeAfterSecs",
  TRIAGE_INCIDENT_WINDOW_SECS: "triage.incidentWindowSecs",
  TRIAGE_INCIDENT_MIN_LEVEL: "triage.incidentMinLevel",
  TRIAGE_HUMAN_REVIEW_SCORE: "triage.humanReviewScore",
  TRIAGE_REMEDIATION_WEBHOOK_URL: "triage.remediationWebhookUrl",
  TRIAGE_LLM_PROVIDER: "triage.llm.provider",
  TRIAGE_LLM_URL: "triage.llm.url",
  TRIAGE_LLM_API_KEY: "triage.llm.apiKey",
  TRIAGE_LLM_MODEL: "triage.llm.model",
  TRIAGE_LLM_TIMEOUT_MS: "triage.llm.timeoutMs",
};
