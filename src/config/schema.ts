import { z } from "zod";

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z.preprocess((v) => {
  if (typeof v !== "string") return v;
  const s = v.trim().toLowerCase();
  if (["1", "true", "yes", "on"].includes(s)) return true;
  if (["0", "false", "no", "off", ""].includes(s)) return false;
  return v;
}, z.boolean());
const list = z.preprocess(
  (v) =>
    typeof v === "string"
      ? v
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : v,
  z.array(z.string()),
);

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/** Route groups an operator may open for legacy clients that send no credential (contracts §6.3 C5). */
export const OPEN_ROUTE_GROUPS = ["ingest", "incidents", "meta", "score", "analyze", "anomalies"] as const;

/**
 * The whole configuration. Keys are camelCase; `ENV_KEYS` maps each to its environment variable.
 * Defaults live here and nowhere else.
 */
export const configSchema = z.object({
  port: port.default(8000),
  host: z.string().min(1).default("127.0.0.1"),
  dataDir: z.string().min(1).default("./data"),
  /** Unset: SQLite at `<dataDir>/logwarden.db` (or `SQLITE_DB_PATH`); `postgres://…` selects PostgreSQL. */
  databaseUrl: z
    .string()
    .refine((v) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v) || !v.includes("://"), {
      message: "expected postgres://…, sqlite:PATH or a file path",
    })
    .optional(),
  sqliteDbPath: z.string().optional(),
  apiToken: z.string().optional(),
  healthToken: z.string().optional(),
  logLevel: z
    .preprocess((v) => (typeof v === "string" ? v.toLowerCase() : v), z.enum(LOG_LEVELS))
    .default("info"),
  openRoutes: list.pipe(z.array(z.enum(OPEN_ROUTE_GROUPS))).default([]),
  /** System 004: incident when a service group's score is strictly greater than this. */
  threshold: z.coerce.number().min(0).max(1).default(0.8),
  /** System 004: external scorer; unset means in-process scoring. */
  mlUrl: z.url().optional(),
  modelVersion: z.string().optional(),
  gitCommit: z.string().optional(),
  modelDir: z.string().default("anomaly_outputs"),
  ingest: z
    .object({
      maxBodyBytes: positiveInt.default(16 * 1024 * 1024),
      /** Records waiting between HTTP and the pipeline before ingest answers 503. */
      queueRecords: positiveInt.default(200_000),
      batchSize: positiveInt.default(2_000),
    })
    .prefault({}),
  miner: z
    .object({
      maxTemplatesPerStream: positiveInt.default(10_000),
      maxTokensPerLine: positiveInt.default(256),
    })
    .prefault({}),
  detectors: z
    .object({
      newTemplate: z
        .object({
          enabled: bool.default(true),
          /** Records a stream must have seen before a new template is an anomaly. */
          warmupRecords: positiveInt.default(1_000),
          /** …and for at least this long (seconds of record time). */
          warmupSecs: z.coerce.number().min(0).default(600),
        })
        .prefault({}),
      errorBurst: z
        .object({
          enabled: bool.default(true),
          windowSecs: positiveInt.default(60),
          /** Error-level records per service within the window that make a burst. */
          threshold: positiveInt.default(20),
        })
        .prefault({}),
    })
    .prefault({}),
});

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variable → config path. `.env.example` lists every one of these. */
export const ENV_KEYS: Record<string, string> = {
  PORT: "port",
  HOST: "host",
  DATA_DIR: "dataDir",
  DATABASE_URL: "databaseUrl",
  SQLITE_DB_PATH: "sqliteDbPath",
  API_TOKEN: "apiToken",
  HEALTH_TOKEN: "healthToken",
  LOG_LEVEL: "logLevel",
  OPEN_ROUTES: "openRoutes",
  THRESHOLD: "threshold",
  ML_URL: "mlUrl",
  MODEL_VERSION: "modelVersion",
  GIT_COMMIT: "gitCommit",
  MODEL_DIR: "modelDir",
  INGEST_MAX_BODY_BYTES: "ingest.maxBodyBytes",
  INGEST_QUEUE_RECORDS: "ingest.queueRecords",
  INGEST_BATCH_SIZE: "ingest.batchSize",
  MINER_MAX_TEMPLATES_PER_STREAM: "miner.maxTemplatesPerStream",
  MINER_MAX_TOKENS_PER_LINE: "miner.maxTokensPerLine",
  NEW_TEMPLATE_ENABLED: "detectors.newTemplate.enabled",
  NEW_TEMPLATE_WARMUP_RECORDS: "detectors.newTemplate.warmupRecords",
  NEW_TEMPLATE_WARMUP_SECS: "detectors.newTemplate.warmupSecs",
  ERROR_BURST_ENABLED: "detectors.errorBurst.enabled",
  ERROR_BURST_WINDOW_SECS: "detectors.errorBurst.windowSecs",
  ERROR_BURST_THRESHOLD: "detectors.errorBurst.threshold",
};
