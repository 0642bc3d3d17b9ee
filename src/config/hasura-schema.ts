import { z } from "zod";
import { envBool as bool, commaList as list, positiveInt } from "./coerce.js";

const days = z.coerce.number().positive();

/** System 003, the Hasura DDN anomaly plugin (contracts §4.12); defaults are the contract's. */
export const hasuraSchema = z
  .object({
    /** `hasura-m-auth` must equal this on system 003's routes when set (contracts §4.2, §6.3 C5). */
    mAuthKey: z.string().optional(),
    /** Anomaly files (`<storagePath>/anomalies/YYYY/MM/DD/…json`, §4.9.4). */
    storagePath: z.string().min(1).default("./tmp"),
    storageFiles: bool.default(true),
    anthropicApiKey: z.string().optional(),
    anthropicBaseUrl: z.url().default("https://api.anthropic.com"),
    claudeModel: z.string().min(1).default("claude-3-sonnet-20240229"),
    /** Upper bound on the estimated prompt size in tokens; the completion stays at 1000. */
    maxTokens: positiveInt.default(100_000),
    /** Example records quoted in the LLM prompt at most. */
    maxRecordsPerBatch: positiveInt.default(50),
    /** How long an LLM call may take before the analysis falls back to the error shape. */
    llmTimeoutMs: positiveInt.default(30_000),
    historicalRetentionDays: days.default(14),
    anomalyRetentionDays: days.default(90),
    modelRetentionDays: days.default(360),
    /** Seconds between retention sweeps; the first runs a minute after start (or sooner, if this is shorter). */
    cleanupIntervalSecs: positiveInt.default(86_400),
    /** Isolation Forest contamination, in (0, 0.5]. */
    anomalyThreshold: z.coerce.number().gt(0).max(0.5).default(0.1),
    minimumTrainingRecords: positiveInt.default(100),
    maxHistoricalRecords: positiveInt.default(100_000),
    /** Scored records after which the model is retrained within a dataset. */
    retrainThreshold: positiveInt.default(14),
    /** Regular expressions; invalid ones are logged and ignored at start, not rejected here. */
    excludedDatasets: list.default([]),
    /** Read by the original, never used; a warning is logged when set. */
    skipPatterns: z.string().optional(),
  })
  .prefault({});

/** Environment variables of `hasuraSchema`; an alias comes first so the documented name wins when both are set. */
export const HASURA_ENV_KEYS: Record<string, string> = {
  M_AUTH_KEY: "hasura.mAuthKey",
  ANOMALY_DETECTION_DATA: "hasura.storagePath",
  STORAGE_PATH: "hasura.storagePath",
  STORAGE_FILES: "hasura.storageFiles",
  ANTHROPIC_API_KEY: "hasura.anthropicApiKey",
  ANTHROPIC_BASE_URL: "hasura.anthropicBaseUrl",
  CLAUDE_MODEL: "hasura.claudeModel",
  MAX_TOKENS: "hasura.maxTokens",
  MAX_RECORDS_PER_BATCH: "hasura.maxRecordsPerBatch",
  LLM_TIMEOUT_MS: "hasura.llmTimeoutMs",
  RETENTION_DAYS: "hasura.historicalRetentionDays",
  HISTORICAL_RETENTION_DAYS: "hasura.historicalRetentionDays",
  ANOMALY_RETENTION_DAYS: "hasura.anomalyRetentionDays",
  MODEL_RETENTION_DAYS: "hasura.modelRetentionDays",
  RETENTION_CLEANUP_INTERVAL_SECS: "hasura.cleanupIntervalSecs",
  ANOMALY_THRESHOLD: "hasura.anomalyThreshold",
  MINIMUM_TRAINING_RECORDS: "hasura.minimumTrainingRecords",
  MAX_HISTORICAL_RECORDS: "hasura.maxHistoricalRecords",
  RETRAIN_THRESHOLD: "hasura.retrainThreshold",
  EXCLUDED_DATASETS: "hasura.excludedDatasets",
  SKIP_PATTERNS: "hasura.skipPatterns",
};
